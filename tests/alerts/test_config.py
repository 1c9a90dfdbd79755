"""The alert rules file: the shipped example loads, a bad file is refused with the key named (zh and en),
and the CLI prints one line and exits 2."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from core import cli
from core.alerts.config import EXAMPLE_FILE, SIGNALS, AlertRulesError, load_alert_rules, parse_alert_rules

ENV = {
    "ALERT_WECOM_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0000",
    "ALERT_DINGTALK_URL": "https://oapi.dingtalk.com/robot/send?access_token=0000",
    "ALERT_DINGTALK_SECRET": "SEC0000",
    "ALERT_FEISHU_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/0000",
    "ALERT_FEISHU_SECRET": "0000",
    "ALERT_SMTP_HOST": "smtp.example.com",
    "ALERT_SMTP_USER": "alerts",
    "ALERT_SMTP_PASSWORD": "x",
    "ALERT_SMTP_FROM": "alerts@example.com",
    "ALERT_WEBHOOK_URL": "https://noc.example.com/hook",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)


def test_the_example_file_loads_with_its_sources(env: None) -> None:
    """The shipped example: 8 rules (21:00, abandon 3 % from 100 connected, DNC, caps, marking, blocked regions,
    seats, stale feed), 5 channels of the 5 types, each rule with its source and env secrets resolved."""
    cfg = load_alert_rules(EXAMPLE_FILE)
    assert [r.id for r in cfg.rules] == [
        "outside_hours",
        "abandon_rate",
        "dnc",
        "over_cap",
        "marking",
        "blocked_region",
        "seats",
        "feed_stale",
    ]
    assert sorted(c.type for c in cfg.channels.values()) == [
        "dingtalk",
        "email",
        "feishu",
        "webhook",
        "wecom",
    ]
    abandon = cfg.rules[1]
    assert (abandon.threshold, abandon.min_connected, abandon.op) == (0.03, 100, ">")
    assert all(r.source for r in cfg.rules)
    assert cfg.channels["ops_dingtalk"].settings["secret"] == "SEC0000"
    assert cfg.rules[3].quiet(23 * 60) and cfg.rules[3].quiet(7 * 60 + 59) and not cfg.rules[3].quiet(8 * 60)


def good() -> dict[str, Any]:
    return {
        "channels": {"ops": {"type": "webhook", "url": "http://127.0.0.1/x"}},
        "rules": [
            {
                "id": "dnc",
                "signal": "dnc_calls",
                "entity": "campaign",
                "threshold": 0,
                "channels": ["ops"],
                "source": "DOMAIN.md §6",
            }
        ],
    }


def with_rule(**change: Any) -> dict[str, Any]:
    data = good()
    data["rules"][0] |= change
    return data


BAD: list[tuple[dict[str, Any], str, str]] = [
    (with_rule(signal="dnc"), "rules.dnc.signal", "unknown signal 'dnc'"),
    (
        with_rule(entity="caller_number", signal="near_window_end"),
        "rules.dnc.entity",
        "near_window_end exists only by campaign",
    ),
    (with_rule(threshold="0"), "rules.dnc.threshold", "must be a number, got '0'"),
    (with_rule(signal="abandon_rate", threshold=3), "rules.dnc.threshold", "a rate is a fraction 0..1"),
    (with_rule(op="=="), "rules.dnc.op", "must be one of > >= < <="),
    (with_rule(channels=["boss"]), "rules.dnc.channels", "channel 'boss' is not defined"),
    (with_rule(source=" "), "rules.dnc.source", "must state where the rule comes from"),
    (with_rule(quiet_hours=["22:00", "25:00"]), "rules.dnc.quiet_hours", "a time must be HH:MM, got '25:00'"),
    (
        with_rule(scope={"caller_numbers": ["0571-0001"]}),
        "rules.dnc.scope.caller_numbers",
        "applies only to rules by caller_number",
    ),
    (with_rule(thresold=1), "rules.dnc.thresold", "unknown key"),
    (with_rule(min_calls=-1), "rules.dnc.min_calls", "must be at least 0"),
    ({**good(), "language": "fr"}, "language", "must be zh or en"),
    (
        {**good(), "channels": {"ops": {"type": "slack", "url": "http://x"}}},
        "channels.ops.type",
        "must be one of wecom",
    ),
    ({**good(), "channels": {"ops": {"type": "dingtalk"}}}, "channels.ops.url", "missing"),
    (
        {**good(), "channels": {"ops": {"type": "wecom", "url": "ftp://x"}}},
        "channels.ops.url",
        "must be an http(s):// address",
    ),
    (
        {**good(), "channels": {"ops": {"type": "wecom", "url": "env:NO_SUCH_ALERT_VAR"}}},
        "channels.ops.url",
        "NO_SUCH_ALERT_VAR is not set",
    ),
    ({**good(), "rules": [good()["rules"][0]] * 2}, "rules.dnc.id", "repeats an earlier rule's id"),
]


@pytest.mark.parametrize(("data", "where", "en"), BAD, ids=[b[1] + ":" + b[2][:20] for b in BAD])
def test_a_bad_value_is_refused_naming_its_key(data: dict[str, Any], where: str, en: str) -> None:
    """Each mistake: an AlertRulesError whose English names the key and the reason, and whose Chinese names the key."""
    with pytest.raises(AlertRulesError) as caught:
        parse_alert_rules(data)
    assert caught.value.en.startswith(f"alert rules {where}: ")
    assert en in caught.value.en
    assert caught.value.zh.startswith(f"告警规则 {where}:")


def test_every_signal_is_one_today_computes() -> None:
    """The signals a rule may name are the columns of today's frames (or the seats and the feed)."""
    from core.pagedata.today import TODAY_BASES

    frame_cols = {
        *TODAY_BASES,
        "connect_rate",
        "abandon_rate",
        "marking_risk",
        "short_share",
        "near_window_end",
    }
    assert set(SIGNALS) - frame_cols == {"seats_excess", "feed_stale_minutes"}


def test_cli_check_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """alerts --check: a good file prints ok; a bad one prints one line on stderr and exits 2; so does bad TOML."""
    good_file = tmp_path / "good.toml"
    good_file.write_text(
        '[channels.ops]\ntype = "webhook"\nurl = "http://127.0.0.1/x"\n\n[[rules]]\nid = "dnc"\nsignal = "dnc_calls"\n'
        'entity = "campaign"\nthreshold = 0\nchannels = ["ops"]\nsource = "DOMAIN.md §6"\n',
        encoding="utf-8",
    )
    assert tomllib.loads(good_file.read_text(encoding="utf-8"))["rules"][0]["id"] == "dnc"
    assert cli.main(["alerts", "--check", str(good_file)]) == 0
    assert capsys.readouterr().out == "ok: 1 rules, 1 channels\n"
    bad = tmp_path / "bad.toml"
    bad.write_text(good_file.read_text(encoding="utf-8").replace('"dnc_calls"', '"dnc"'), encoding="utf-8")
    errors: list[str] = []
    assert cli.main(["alerts", "--check", str(bad)], stderr=errors.append) == 2
    assert errors == [
        f"error: alert rules rules.dnc.signal: unknown signal 'dnc'; one of {', '.join(SIGNALS)}\n"
    ]
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rules]\n", encoding="utf-8")
    errors.clear()
    assert cli.main(["alerts", "--check", str(broken)], stderr=errors.append) == 2
    assert len(errors) == 1 and errors[0].count("\n") == 1 and "not valid TOML" in errors[0]
