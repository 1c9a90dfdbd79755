"""The whole chain: a watched Asterisk Master.csv → the importer → today's signals → the alert rules →
a local 企业微信 group robot (pytest-httpserver), with the watcher's clock pinned.

The calls (numbers fictitious: customers ``100 0000 0xxx``, mobile numbers starting 100 are not
allocated; the company's ``95000001``) are outbound calls of 2025-09-03, Beijing time; the campaign is
the CDR's ``accountcode`` (the asterisk preset's ``[campaign] column``). Neither campaign has a row in
``campaigns``, so both have the default window 08:00–21:00 (core/infra/rules.toml). The one rule:
``outside_hours_calls`` per campaign ``> 0`` (calls started before 08:00 or from 21:00 on), told to the
robot ``ops``.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy.engine import Engine

from core.alerts import store
from core.infra import db
from core.pagedata.today import BEIJING
from core.watch import Watcher, parse
from tests.ingest.samples import asterisk_line
from tests.watch.conftest import count

OK = {"errcode": 0, "errmsg": "ok"}
DAY = "2025-09-03"
RULES = """\
base_url = "http://app.example:8501"

[delivery]
backoff_seconds = 0.01
budget_seconds = 5

[channels.ops]
type = "wecom"
url = "{url}"

[[rules]]
id = "outside_hours"
signal = "outside_hours_calls"
entity = "campaign"
op = ">"
threshold = {threshold}
channels = ["ops"]
source = "08:00–21:00 (DOMAIN.md §6)"
"""


def line(n: int, campaign: str, hhmm: str, *, answered: bool = True) -> str:
    """Master.csv record of call ``n``: agent 8001 dials customer 1000000000n for ``campaign`` at
    ``hhmm`` on DAY; answered after 5 s and 60 s of talk, or not answered after 30 s."""
    start = datetime.fromisoformat(f"{DAY}T{hhmm}")
    wait, talk = (5, 60) if answered else (30, 0)
    uid = f"1756900{n:03d}.{n:04d}"
    t = "%Y-%m-%d %H:%M:%S"
    return asterisk_line(
        {
            "accountcode": campaign,
            "src": "8001",
            "dst": f"1000000{n:04d}",
            "dcontext": "from-internal",
            "clid": '"Agent 8001" <95000001>',
            "channel": f"SIP/8001-0000{n:04d}",
            "dstchannel": f"SIP/trunk-0000{n:04d}",
            "lastapp": "Dial",
            "lastdata": f"SIP/trunk/1000000{n:04d},60",
            "start": start.strftime(t),
            "answer": (start + timedelta(seconds=wait)).strftime(t) if answered else "",
            "end": (start + timedelta(seconds=wait + talk)).strftime(t),
            "duration": wait + talk,
            "billsec": talk,
            "disposition": "ANSWERED" if answered else "NO ANSWER",
            "amaflags": "DOCUMENTATION",
            "uniqueid": uid,
            "linkedid": uid,
            "sequence": n,
        }
    )


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(f"{x}\n" for x in lines))


def texts(server: HTTPServer) -> list[str]:
    return [json.loads(req.data)["text"]["content"] for req, _ in server.log]


class Clock:
    """The watcher's pinned clock: Beijing time, moved by the test."""

    def __init__(self, iso: str) -> None:
        self.set(iso)

    def set(self, iso: str) -> None:
        self.at = datetime.fromisoformat(iso).replace(tzinfo=BEIJING)

    def __call__(self) -> datetime:
        return self.at


def test_after_nine_pm_one_alert_then_nothing_more_that_day_then_resolved(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Worked by hand (the rule: outside-hours calls per campaign > 0):

    * poll 1, clock 09-03 21:30: Master.csv has C8 20:30 (inside 08:00–21:00), C9 21:05 and C9 21:10
      (both from 21:00 on) → 3 calls imported; one batch, so one evaluation: C8 0 (not red), C9 2 →
      one ``alert`` for C9, value 2 → the robot gets 1 message, naming 活动 C9;
    * poll 2, clock 21:45: C9 21:20 and 21:40 (not answered) appended → 5 calls; C9 now 4, still red, and
      its alert of today is open → no event, still 1 message; poll 3 (nothing new: the timer's
      evaluation) → still 1;
    * poll 4, clock 09-04 09:00 (the next morning, nothing new): today has no call of C9 → the rule
      clears → one ``resolved`` for C9 → 2 messages; poll 5 at 09:05 → still 2.
    """
    db_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    append(master, line(1, "C8", "20:30"), line(2, "C9", "21:05"), line(3, "C9", "21:10"))
    httpserver.expect_request("/cgi-bin/webhook/send", query_string="key=K").respond_with_json(OK)
    rules = tmp_path / "alerts.toml"
    rules.write_text(
        RULES.format(url=httpserver.url_for("/cgi-bin/webhook/send") + "?key=K", threshold=0),
        encoding="utf-8",
    )
    clock = Clock(f"{DAY}T21:30")
    out, err = io.StringIO(), io.StringIO()
    watcher = Watcher(
        db_url,
        [parse(f"file:{master}?format=asterisk-csv")],
        alerts=rules,
        rejects_dir=tmp_path / "rejects",
        out=out,
        err=err,
        clock=clock,
    )
    try:
        assert watcher.poll() == 0
        assert count(db_url) == 3
        [first] = texts(httpserver)
        assert first.splitlines()[0] == "【告警】时段外外呼 · 活动 C9"
        assert f"今日({DAY})数值:2,告警阈值:> 0" in first
        assert "C8" not in first

        clock.set(f"{DAY}T21:45")
        append(master, line(4, "C9", "21:20"), line(5, "C9", "21:40", answered=False))
        assert watcher.poll() == 0
        assert count(db_url) == 5
        assert watcher.poll() == 0
        assert len(httpserver.log) == 1

        clock.set("2025-09-04T09:00")
        assert watcher.poll() == 0
        assert len(httpserver.log) == 2
        assert texts(httpserver)[1].splitlines()[0] == "【已恢复】时段外外呼 · 活动 C9"
        clock.set("2025-09-04T09:05")
        assert watcher.poll() == 0
        assert len(httpserver.log) == 2
    finally:
        watcher.close()
    assert err.getvalue() == ""
    engine = db.make_engine(db_url)
    try:
        events = store.read_events(engine)
    finally:
        engine.dispose()
    assert [(e.kind, e.entity, str(e.day), e.value) for e in events] == [
        ("alert", "C9", DAY, 2.0),
        ("resolved", "C9", "2025-09-04", 0.0),
    ]
    assert [x.split(" ", 2)[2] for x in out.getvalue().splitlines() if " alerts: " in x] == [
        f"alerts: alert outside_hours campaign C9 2 ({DAY})",
        "alerts: resolved outside_hours campaign C9 0 (2025-09-04)",
    ]


def test_an_edited_rules_file_takes_effect_at_the_next_poll_and_a_bad_one_keeps_the_last_good(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Worked by hand, clock 09-03 21:30 throughout:

    * poll 1: C9 21:05 → C9 1 > 0 → ``alert`` C9 (1 message);
    * the file is overwritten with a broken line (not TOML); poll 2 (nothing new) → one line on stderr
      saying so and that the last good rules keep running; C8 21:15 appended, poll 3 → the last good rule
      raises ``alert`` C8 (2 messages); the same bad file is not reported again (still 1 line);
    * the file is fixed with ``threshold = 1``; poll 4 → read again (one line on stdout): C8 1 and C9 1
      are not > 1 → ``resolved`` C8 and C9 (4 messages)."""
    db_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    append(master, line(1, "C9", "21:05"))
    httpserver.expect_request("/send").respond_with_json(OK)
    rules = tmp_path / "alerts.toml"
    rules.write_text(RULES.format(url=httpserver.url_for("/send"), threshold=0), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    watcher = Watcher(
        db_url,
        [parse(f"file:{master}?format=asterisk-csv")],
        alerts=rules,
        rejects_dir=tmp_path / "rejects",
        out=out,
        err=err,
        clock=Clock(f"{DAY}T21:30"),
    )
    try:
        watcher.poll()
        assert len(httpserver.log) == 1
        rules.write_text("[[rules]\n", encoding="utf-8")
        watcher.poll()
        append(master, line(2, "C8", "21:15"))
        watcher.poll()
        assert [t.splitlines()[0] for t in texts(httpserver)] == [
            "【告警】时段外外呼 · 活动 C9",
            "【告警】时段外外呼 · 活动 C8",
        ]
        [bad] = err.getvalue().splitlines()
        assert "not valid TOML" in bad and bad.endswith("the last good rules keep running")
        rules.write_text(RULES.format(url=httpserver.url_for("/send"), threshold=1), encoding="utf-8")
        watcher.poll()
    finally:
        watcher.close()
    assert sorted(t.splitlines()[0] for t in texts(httpserver)[2:]) == [  # one evaluation: any order
        "【已恢复】时段外外呼 · 活动 C8",
        "【已恢复】时段外外呼 · 活动 C9",
    ]
    assert len(err.getvalue().splitlines()) == 1
    assert out.getvalue().count(f"alerts: {rules} read again: 1 rules, 1 channels") == 1


ROOT = Path(__file__).resolve().parents[2]


def test_cli_once_with_the_clock_pinned_by_callcenter_now(tmp_path: Path, httpserver: HTTPServer) -> None:
    """``python -m core watch --once --alerts FILE`` in a subprocess (one run: a start costs seconds), its
    clock pinned by ``CALLCENTER_NOW=2025-09-03T21:30+08:00``: C9 21:05 and 21:10 → exit 0, no warning, one alert naming C9 with value 2. (The next day's "resolved" is the in-process test's.)"""
    db_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    append(master, line(1, "C9", "21:05"), line(2, "C9", "21:10"))
    httpserver.expect_request("/send").respond_with_json(OK)
    rules = tmp_path / "alerts.toml"
    rules.write_text(RULES.format(url=httpserver.url_for("/send"), threshold=0), encoding="utf-8")
    argv = [sys.executable, "-m", "core", "watch", "--once", "--db", db_url, "--alerts", str(rules)]
    argv += ["--source", f"file:{master}?format=asterisk-csv", "--rejects", str(tmp_path / "rejects")]
    env = os.environ | {"CALLCENTER_NOW": f"{DAY}T21:30+08:00"}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # Nothing from the watcher on stderr (its lines begin with a time; DuckDB's nanobind may report
    # "leaked instances" at exit, which is no failure of the run).
    assert not re.search(r"^\d{4}-\d\d-\d\d ", done.stderr, re.M), done.stderr
    assert f"alerts: alert outside_hours campaign C9 2 ({DAY})" in done.stdout
    [sent] = texts(httpserver)
    assert sent.splitlines()[0] == "【告警】时段外外呼 · 活动 C9"
    assert f"今日({DAY})数值:2,告警阈值:> 0" in sent


@pytest.mark.parametrize(
    ("rules_text", "now", "message"),
    [
        ("[[rules]\n", "", "--alerts: alert rules"),
        ('[[rules]]\nid = "x"\nsignal = "no_such_signal"\n', "", "--alerts: "),
        (None, "yesterday evening", "CALLCENTER_NOW='yesterday evening' is not a time"),
    ],
)
def test_cli_refuses_a_bad_rules_file_or_clock_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    rules_text: str | None,
    now: str,
    message: str,
) -> None:
    """A rules file that is not TOML, one naming an unknown signal, a CALLCENTER_NOW that is no time:
    exit 2 with one line, before anything is read (no database file is made)."""
    from core.cli import main

    monkeypatch.setenv("CALLCENTER_NOW", now)
    rules = tmp_path / "alerts.toml"
    rules.write_text(rules_text if rules_text is not None else RULES.format(url="http://x", threshold=0))
    src = f"file:{tmp_path / 'Master.csv'}?format=asterisk-csv"
    argv = ["watch", "--once", "--db", f"duckdb:///{tmp_path / 'w.duckdb'}", "--source", src]
    assert main([*argv, "--alerts", str(rules)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "w.duckdb").exists()


def test_the_clock_is_beijing_time_aware_or_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unpinned: aware, UTC+8 whatever the machine's zone (a batch's time defaults to it). Pinned without
    an offset: that Beijing time; with one: converted (13:30 UTC is 21:30 in Beijing)."""
    from core.pagedata.today import clock
    from core.watch import BatchInfo

    monkeypatch.delenv("CALLCENTER_NOW", raising=False)
    assert clock().utcoffset() == timedelta(hours=8)
    assert BatchInfo(None, None).at.utcoffset() == timedelta(hours=8)
    monkeypatch.setenv("CALLCENTER_NOW", "2025-09-03T21:30")
    assert clock() == datetime(2025, 9, 3, 21, 30, tzinfo=BEIJING)
    monkeypatch.setenv("CALLCENTER_NOW", "2025-09-03T13:30:00Z")
    assert clock().replace(tzinfo=None) == datetime(2025, 9, 3, 21, 30)


def test_after_batch_is_the_extension_point_that_evaluates(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A watcher given ``hook=after_batch`` (what another extension calls to keep the alerts): C9 21:05 at a
    clock of 21:30 → one alert naming C9 (value 1), its line on stdout; a BatchInfo without ``alerts``
    evaluates nothing (still 1 message)."""
    from core.watch import BatchInfo, after_batch

    db_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    master = tmp_path / "Master.csv"
    append(master, line(1, "C9", "21:05"))
    httpserver.expect_request("/send").respond_with_json(OK)
    rules = tmp_path / "alerts.toml"
    rules.write_text(RULES.format(url=httpserver.url_for("/send"), threshold=0), encoding="utf-8")
    clock = Clock(f"{DAY}T21:30")
    watcher = Watcher(
        db_url,
        [parse(f"file:{master}?format=asterisk-csv")],
        alerts=rules,
        rejects_dir=tmp_path / "rejects",
        hook=after_batch,
        out=io.StringIO(),
        clock=clock,
    )
    try:
        watcher.poll()
        after_batch(watcher.engine, BatchInfo(None, None, "poll", None, at=clock()))
    finally:
        watcher.close()
    assert [t.splitlines()[0] for t in texts(httpserver)] == ["【告警】时段外外呼 · 活动 C9"]
    assert f"alerts: alert outside_hours campaign C9 1 ({DAY})" in capsys.readouterr().out


def test_a_catch_up_of_several_batches_evaluates_once_after_the_last(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """A folder with two exports (settle 0), each one batch of the same poll: a.csv C9 21:05, then b.csv
    (written later) C8 21:10. The hook is told of a.csv with ``more`` (b.csv committed after it), of
    b.csv without; the alerts skip the first (0 messages after it, though C9 is red by then) and evaluate
    after the second: C8 and C9 both red → 2 alerts. Clock 21:30."""
    from core.watch import BatchInfo
    from core.watch.service import AlertsHook

    db_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    append(inbox / "a.csv", line(1, "C9", "21:05"))
    os.utime(inbox / "a.csv", (1_700_000_000, 1_700_000_000))  # older: taken first
    append(inbox / "b.csv", line(2, "C8", "21:10"))
    httpserver.expect_request("/send").respond_with_json(OK)
    rules = tmp_path / "alerts.toml"
    rules.write_text(RULES.format(url=httpserver.url_for("/send"), threshold=0), encoding="utf-8")
    alerts = AlertsHook(say=lambda _m: None, warn=lambda _m: None)
    told: list[tuple[str, bool, int]] = []

    def hook(engine: Engine, info: BatchInfo) -> None:
        alerts(engine, info)
        told.append((info.note, info.more, len(httpserver.log)))

    watcher = Watcher(
        db_url,
        [parse(f"folder:{inbox}?format=asterisk-csv&settle=0")],
        alerts=rules,
        rejects_dir=tmp_path / "rejects",
        hook=hook,
        out=io.StringIO(),
        clock=Clock(f"{DAY}T21:30"),
    )
    try:
        assert watcher.poll() == 0
    finally:
        watcher.close()
    assert told == [("a.csv", True, 0), ("b.csv", False, 2)]
    assert sorted(t.splitlines()[0] for t in texts(httpserver)) == [
        "【告警】时段外外呼 · 活动 C8",
        "【告警】时段外外呼 · 活动 C9",
    ]
