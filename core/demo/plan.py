"""The demo company's plan: who it is, what it runs, and the stories planted in its data.

Everything here is fictitious. Caller numbers contain ``X`` so that none of them can ever be a real,
dialable number; customers exist only as hashed ids. Dates are relative to the report year ``Y``
(the last complete calendar year in range), so the stories land in the right year whatever ``--end``
is.

The stories (see README "The demo company"):

* **Y−1 → Y restructuring**: an outsourced inbound hotline contract ended at the end of Y−1 (inbound
  volume and the 外包客服组 team go), declared seats go from 120 to 75 (−37.5 %) and peak concurrency
  falls by more than 30 %; a new finance client (信用卡分期, predictive) starts in Y, so the outbound
  share rises by more than 20 percentage points.
* **Equity**: an industry fund (示例产业基金) takes 15 % on 30 June Y.
* **Key script**: a new approved version of the key script SC01 (宽带续约) in May Y, used by C01.
* **Rogue weeks**: for three weeks in September Y (episode E1) and two weeks in the last month of data
  (episode E2) the outsourced team 外包营销组 pushes campaign C08 from the fresh number 0551-XXXX0003:
  low answer rate with many calls under 6 s (number marking risk), calls after 21:00 on some days,
  calls to customers on the DNC list, abandon rate above 3 % on some days, per-callee cap breaches, and
  a complaint spike including 12321 and MIIT complaints.
* **Other signals**, outside those weeks so each story stays readable: campaign C12 calls 新疆/西藏 and
  provinces outside the licence coverage in April Y; C01 keeps using 0571-XXXX0005 for two weeks after
  it was released (July Y); C09 calls from an unregistered mobile number in November Y.
* **Capacity**: on 11–13 November Y−1 (双十一 surge with temporary staff) and on three days of the last
  month more agents are logged in than seats are declared; a night team's sessions cross midnight.
* **Export defects**: calls whose agent is not on the roster (A9001, February Y) and one session
  that was never closed (October Y).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# --------------------------------------------------------------------------------------------
# Static reference data
# --------------------------------------------------------------------------------------------

COVERAGE: tuple[str, ...] = (
    "浙江",
    "江苏",
    "上海",
    "安徽",
    "四川",
    "重庆",
    "广东",
    "福建",
    "江西",
    "湖北",
    "湖南",
    "河南",
    "山东",
)
#: Customer provinces inside the coverage, with weights (a customer's home province).
IN_COVERAGE_WEIGHTS: dict[str, float] = {
    "浙江": 20,
    "江苏": 15,
    "上海": 8,
    "安徽": 10,
    "四川": 12,
    "重庆": 4,
    "广东": 10,
    "福建": 4,
    "江西": 3,
    "湖北": 5,
    "湖南": 3,
    "河南": 3,
    "山东": 3,
}
OUT_OF_COVERAGE: tuple[str, ...] = ("北京", "河北", "陕西", "辽宁", "天津", "山西", "云南", "广西")
BLOCKED: tuple[str, ...] = ("新疆", "西藏")

COMPANY = {
    "name": "华信云联客服科技有限公司(示例)",
    "credit_code": "91330106DEMO00001X",
    "legal_rep": "张明(示例)",
    "registered_address": "浙江省杭州市西湖区示例路 1 号",
    "registered_province": "浙江",
    "registered_capital_wan": 5000.0,
    "ownership_type": "民营",
    "listed": False,
    "complaint_phone": "400-XXX-0001",
}

SITES = (
    # site_id, name, province, city, opened years before Y (month, day)
    ("S1", "杭州呼叫中心", "浙江", "杭州", 6, (5, 1)),
    ("S2", "成都呼叫中心", "四川", "成都", 4, (3, 1)),
    ("S3", "合肥外包中心", "安徽", "合肥", 3, (9, 1)),
)
#: Declared seats per site before Y and from 1 January Y on.
SEATS_BEFORE = {"S1": 60, "S2": 35, "S3": 25}
SEATS_FROM_Y = {"S1": 40, "S2": 25, "S3": 10}


@dataclass(frozen=True)
class Team:
    """A team: where it sits, its employment type, shift pattern and size per period."""

    name: str
    site_id: str
    employment: str  # staff / outsourced
    shifts: tuple[str, ...]  # shift kinds its agents rotate through, by agent index
    size_before: int  # up to Y-2 (and Y-1 unless overridden)
    size_ym1: int
    size_y: int
    size_after: int  # Y+1


TEAMS: tuple[Team, ...] = (
    Team("营销一组", "S1", "staff", ("out_early", "out_early", "out_late"), 18, 18, 12, 14),
    Team("营销二组", "S1", "staff", ("out_nine",), 16, 16, 5, 5),
    Team("客服热线组", "S1", "staff", ("in_early", "in_late"), 40, 42, 14, 18),
    Team("夜班组", "S1", "staff", ("night",), 4, 4, 3, 3),
    Team("催收组", "S2", "staff", ("out_early", "out_late"), 14, 14, 8, 10),
    Team("金融外呼组", "S2", "staff", ("out_early", "out_early", "out_late"), 0, 0, 12, 18),
    Team("外包营销组", "S3", "outsourced", ("out_early", "out_late"), 16, 16, 12, 13),
    Team("外包客服组", "S3", "outsourced", ("in_early", "in_late"), 12, 12, 0, 0),
)

#: Shift kind → (login hh:mm, logout hh:mm, crosses midnight).
SHIFTS: dict[str, tuple[tuple[int, int], tuple[int, int], bool]] = {
    "out_early": ((8, 30), (17, 30), False),
    "out_late": ((12, 0), (21, 0), False),
    "out_nine": ((9, 0), (18, 0), False),  # life-insurance calling window starts at 09:00
    "in_early": ((8, 0), (17, 0), False),
    "in_late": ((13, 0), (22, 0), False),
    "night": ((22, 0), (8, 0), True),
}


@dataclass(frozen=True)
class Campaign:
    """A campaign and its calling profile.

    ``daily`` is the mean number of calls on a weekday at scale 1, per period
    (before Y−1, Y−1, Y, after Y); ``None`` means not running.
    """

    campaign_id: str
    name: str
    purpose: str
    client: str
    client_industry: str
    script_id: str | None
    dialer: str
    team: str | None  # None: robot (no agent)
    direction: str
    numbers: tuple[str, ...]
    daily: tuple[float, float, float, float]
    p_answer: float  # of dialled calls
    short_share: float  # share of connected calls that end within 6 s
    talk_median: float  # seconds, connected calls that are not short
    abandon_share: float = 0.0  # abandoned / (connected + abandoned), predictive only
    ends_ym1: bool = False  # stops at the end of Y-1
    starts_y: bool = False  # starts on 1 January Y


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        "C01",
        "宽带续约营销",
        "marketing",
        "某省电信运营商(示例)",
        "电信",
        "SC01",
        "preview",
        "营销一组",
        "out",
        ("0571-XXXX0001", "0571-XXXX0002", "0571-XXXX0005", "95XX01"),
        (160, 160, 170, 170),
        0.42,
        0.1,
        150,
    ),
    Campaign(
        "C02",
        "寿险续期提醒",
        "marketing",
        "某人寿保险(示例)",
        "寿险",
        "SC02",
        "manual",
        "营销二组",
        "out",
        ("0571-XXXX0003", "96XX571"),
        (70, 70, 60, 60),
        0.45,
        0.1,
        180,
    ),
    Campaign(
        "C03",
        "信用卡分期推广",
        "marketing",
        "某股份制银行信用卡中心(示例)",
        "银行",
        "SC03",
        "predictive",
        "金融外呼组",
        "out",
        ("028-XXXX0005", "028-XXXX0006", "028-XXXX0007", "028-XXXX0008"),
        (0, 0, 600, 620),
        0.36,
        0.1,
        140,
        abandon_share=0.003,
        starts_y=True,
    ),
    Campaign(
        "C04",
        "消费贷逾期提醒",
        "collection",
        "某消费金融公司(示例)",
        "消费金融",
        "SC04",
        "manual",
        "催收组",
        "out",
        ("028-XXXX0001", "028-XXXX0002"),
        (120, 120, 110, 110),
        0.5,
        0.1,
        150,
    ),
    Campaign(
        "C05",
        "快递服务满意度回访",
        "survey",
        "某快递公司(示例)",
        "物流",
        "SC05",
        "robot",
        None,
        "out",
        ("1010XX01",),
        (150, 150, 150, 150),
        0.38,
        0.1,
        40,
    ),
    Campaign(
        "C06",
        "信用卡账单提醒",
        "notification",
        "某股份制银行信用卡中心(示例)",
        "银行",
        "SC06",
        "robot",
        None,
        "out",
        ("1010XX02", "95XX01"),
        (110, 110, 130, 130),
        0.55,
        0.1,
        35,
    ),
    Campaign(
        "C07",
        "电商客服热线",
        "service",
        "某电商平台(示例)",
        "电商",
        "SC07",
        "manual",
        "客服热线组",
        "in",
        ("400-XXX-0001", "95XX01"),
        (1500, 1550, 520, 540),
        1.0,
        0.03,
        480,
    ),
    Campaign(
        "C08",
        "会员权益营销",
        "marketing",
        "某连锁零售(示例)",
        "零售",
        "SC08",
        "predictive",
        "外包营销组",
        "out",
        ("0551-XXXX0001", "0551-XXXX0002"),
        (170, 170, 180, 180),
        0.34,
        0.1,
        110,
    ),
    Campaign(
        "C09",
        "家装预约营销",
        "marketing",
        "某家居集团(示例)",
        "家居",
        "SC09",
        "preview",
        "外包营销组",
        "out",
        ("0551-XXXX0001", "0551-XXXX0002"),
        (70, 70, 70, 70),
        0.4,
        0.1,
        120,
    ),
    Campaign(
        "C10",
        "理财客户回访",
        "survey",
        "某证券公司(示例)",
        "证券",
        "SC10",
        "manual",
        "金融外呼组",
        "out",
        ("028-XXXX0003",),
        (0, 0, 55, 55),
        0.52,
        0.08,
        180,
        starts_y=True,
    ),
    Campaign(
        "C11",
        "物业缴费提醒",
        "notification",
        "某物业集团(示例)",
        "物业",
        "SC11",
        "robot",
        None,
        "out",
        ("1010XX02",),
        (70, 70, 70, 70),
        0.5,
        0.1,
        30,
    ),
    Campaign(
        "C12",
        "车险续保营销",
        "marketing",
        "某财产保险(示例)",
        "财险",
        "SC12",
        "preview",
        "营销一组",
        "out",
        ("0571-XXXX0004",),
        (80, 80, 85, 85),
        0.4,
        0.1,
        140,
    ),
    Campaign(
        "C13",
        "售后回访",
        "service",
        "某电商平台(示例)",
        "电商",
        "SC13",
        "manual",
        "客服热线组",
        "out",
        ("0571-XXXX0003", "1XX-XXXX-0002"),
        (60, 60, 40, 40),
        0.55,
        0.05,
        200,
    ),
    Campaign(
        "C14",
        "在线课程营销",
        "marketing",
        "某教育科技(示例)",
        "教育",
        "SC14",
        "predictive",
        "营销二组",
        "out",
        ("0571-XXXX0006", "0571-XXXX0007", "0571-XXXX0008"),
        (210, 210, 0, 0),
        0.33,
        0.1,
        100,
        ends_ym1=True,
    ),
)

#: Inbound overflow: 外包客服组 answers part of the hotline until its contract ends (its agents then
#: leave the roster, so from Y on only 客服热线组 has sessions to answer from).
INBOUND_TEAMS_BEFORE_Y = ("客服热线组", "外包客服组")
NIGHT_TEAM = "夜班组"

ROGUE_CAMPAIGN = "C08"
ROGUE_TEAM = "外包营销组"
RISK_NUMBER = "0551-XXXX0003"
UNREGISTERED_MOBILE = "1XX-XXXX-0001"
RELEASED_NUMBER = "0571-XXXX0005"
GHOST_AGENT = "A9001"


def numbers_table(y: int) -> list[dict[str, object]]:
    """The caller numbers (码号) with kind, carrier, province, registration and allocation dates."""
    old = date(y - 5, 1, 10)
    rows: list[dict[str, object]] = [
        {"number": "95XX01", "kind": "95", "carrier": "中国电信", "province": "全国"},
        {"number": "96XX571", "kind": "96", "carrier": "中国电信", "province": "浙江"},
        {"number": "96XX028", "kind": "96", "carrier": "中国联通", "province": "四川"},
        {"number": "400-XXX-0001", "kind": "400", "carrier": "中国联通", "province": "浙江"},
        {"number": "1010XX01", "kind": "1010", "carrier": "中国移动", "province": "浙江"},
        {"number": "1010XX02", "kind": "1010", "carrier": "中国移动", "province": "浙江"},
    ]
    rows += [
        {"number": f"0571-XXXX000{i}", "kind": "landline", "carrier": "中国电信", "province": "浙江"}
        for i in range(1, 9)
    ]
    rows += [
        {"number": f"028-XXXX000{i}", "kind": "landline", "carrier": "中国电信", "province": "四川"}
        for i in (1, 2, 3, 5, 6, 7, 8)
    ]
    rows += [
        {"number": f"0551-XXXX000{i}", "kind": "landline", "carrier": "中国联通", "province": "安徽"}
        for i in range(1, 4)
    ]
    rows += [
        {"number": UNREGISTERED_MOBILE, "kind": "mobile", "carrier": "中国移动", "province": "安徽"},
        {"number": "1XX-XXXX-0002", "kind": "mobile", "carrier": "中国移动", "province": "浙江"},
    ]
    special_alloc = {
        "028-XXXX0005": date(y - 1, 12, 20),
        "028-XXXX0006": date(y - 1, 12, 20),
        "028-XXXX0007": date(y - 1, 12, 20),
        "028-XXXX0008": date(y - 1, 12, 20),
        "0571-XXXX0008": date(y - 3, 4, 1),
        "0551-XXXX0003": date(y - 1, 6, 1),
        "0571-XXXX0006": date(y - 3, 4, 1),
        "0571-XXXX0007": date(y - 3, 4, 1),
    }
    released = {
        RELEASED_NUMBER: date(y, 6, 30),
        "0571-XXXX0006": date(y - 1, 12, 31),
        "0571-XXXX0007": date(y - 1, 12, 31),
        "0571-XXXX0008": date(y - 1, 12, 31),
    }
    for row in rows:
        num = str(row["number"])
        row["registered"] = num != UNREGISTERED_MOBILE
        row["allocated_on"] = special_alloc.get(num, old)
        row["released_on"] = released.get(num)
    return rows


def scripts_table(y: int) -> list[dict[str, object]]:
    """Script versions: SC01 (key) gets v2 in May Y; SC08 (not key) gets v3 in Y as a distractor."""
    from datetime import datetime

    def ts(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, 10, 0)

    titles = {c.script_id: f"{c.name}话术" for c in CAMPAIGNS if c.script_id}
    key = {"SC01", "SC02", "SC03", "SC04"}
    rows: list[dict[str, object]] = []
    for sid, title in titles.items():
        rows.append(
            {
                "script_id": sid,
                "version": 1,
                "title": title,
                "approved_at": ts(date(y - 4, 3, 1)),
                "key_script": sid in key,
            }
        )
    # SC03 is written for the new client before it starts.
    for row in rows:
        if row["script_id"] == "SC03":
            row["approved_at"] = ts(date(y - 1, 12, 10))
        if row["script_id"] in ("SC10",):
            row["approved_at"] = ts(date(y - 1, 12, 15))
    rows.append(
        {
            "script_id": "SC02",
            "version": 2,
            "title": titles["SC02"],
            "approved_at": ts(date(y - 1, 3, 20)),
            "key_script": True,
        }
    )
    rows.append(
        {
            "script_id": "SC01",
            "version": 2,
            "title": titles["SC01"],
            "approved_at": ts(date(y, 5, 10)),
            "key_script": True,
        }
    )
    rows.append(
        {
            "script_id": "SC08",
            "version": 2,
            "title": titles["SC08"],
            "approved_at": ts(date(y - 2, 9, 1)),
            "key_script": False,
        }
    )
    rows.append(
        {
            "script_id": "SC08",
            "version": 3,
            "title": titles["SC08"],
            "approved_at": ts(date(y, 8, 1)),
            "key_script": False,
        }
    )
    return rows


def shareholders_table(y: int, start: date) -> list[dict[str, object]]:
    """Snapshots of the register: unchanged until 30 June Y, when a fund takes 15 %."""
    before = (("张明(示例)", 60.0), ("杭州云联投资合伙企业(示例)", 25.0), ("员工持股平台(示例)", 15.0))
    after = (
        ("张明(示例)", 51.0),
        ("杭州云联投资合伙企业(示例)", 21.25),
        ("员工持股平台(示例)", 12.75),
        ("示例产业投资基金", 15.0),
    )
    first = date(min(start.year, y - 2), 1, 1)
    rows = [{"as_of": first, "holder": h, "share_pct": p} for h, p in before]
    rows += [{"as_of": date(y, 6, 30), "holder": h, "share_pct": p} for h, p in after]
    return rows


def finance_table(y: int, start: date) -> list[dict[str, object]]:
    """Yearly finance (万元) for every complete or partial year in range up to Y."""
    base = {y - 2: 8200.0, y - 1: 8900.0, y: 9650.0}
    rows: list[dict[str, object]] = []
    for year, revenue in base.items():
        if year < start.year:
            continue
        rows.append(
            {
                "year": year,
                "revenue_wan": revenue,
                "cost_wan": round(revenue * 0.78, 1),
                "telecom_revenue_wan": round(revenue * 0.93, 1),
                "callcenter_revenue_wan": round(revenue * 0.9, 1),
            }
        )
    return rows


STEP_DUES: tuple[tuple[int, int, int], ...] = (
    # step, month, day (in Y+1); step 4 is the end of February (filled in per year)
    (1, 1, 15),
    (2, 1, 31),
    (3, 2, 15),
    (4, 2, 28),
    (5, 3, 10),
    (6, 3, 31),
    (7, 4, 15),
    (8, 4, 30),
)
STEP_OWNERS = (
    "行政部 王芳",
    "内审部 李强",
    "数据组 陈晨",
    "内审部 李强",
    "法务部 赵敏",
    "行政部 王芳",
    "行政部 王芳",
    "运营部 刘洋",
)


def step_due(report_year: int, step: int) -> date:
    """Due date of a step of the eight-step calendar (DOMAIN.md §2) for a report year."""
    _, month, day = STEP_DUES[step - 1]
    if step == 4:  # end of February
        return date(report_year + 1, 3, 1) - timedelta(days=1)
    return date(report_year + 1, month, day)


def episodes(y: int, last_month_start: date) -> list[tuple[date, date]]:
    """The rogue-weeks episodes as inclusive (first day, last day) ranges, Monday-aligned."""

    def first_monday(d: date) -> date:
        return d + timedelta(days=(7 - d.weekday()) % 7)

    e1 = first_monday(date(y, 9, 1))
    e2 = first_monday(last_month_start)
    out = [(e1, e1 + timedelta(days=20))]
    if e2 > e1 + timedelta(days=27):
        out.append((e2, e2 + timedelta(days=13)))
    return out
