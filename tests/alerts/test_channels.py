"""Each channel's payload and signature, checked by real local receivers (pytest-httpserver, aiosmtpd).

The 钉钉 and 飞书 signatures are recomputed here from the shared secret by the platforms' documented
algorithms, independently of core.alerts.channels:
DingTalk: sign = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp_ms + "\\n" + secret))) in the query;
Feishu: sign = base64(HMAC-SHA256(key=timestamp_s + "\\n" + secret, msg="")) in the JSON body.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer

from core.alerts.channels import DeliveryError, Message, send
from core.alerts.config import Channel

SECRET = "SECtest0000shared"  # a made-up secret shared by the sender and the receiver
MSG = Message(
    title="【告警】时段外外呼 · 活动 C1",
    text="【告警】时段外外呼 · 活动 C1\n今日数值:1\n查看:http://localhost:8501/risk?from=2025-09-03",
    link="http://localhost:8501/risk?from=2025-09-03",
    facts={"rule_id": "outside_hours", "entity": "C1", "value": 1.0},
    mention=("13800000000",),
)
OK = {"errcode": 0, "errmsg": "ok"}


def only_request(server: HTTPServer) -> Any:
    assert len(server.log) == 1
    return server.log[0][0]


def test_wecom_text_message(httpserver: HTTPServer) -> None:
    """企业微信: POST ?key=… with {"msgtype": "text", "text": {"content", "mentioned_mobile_list"}}."""
    httpserver.expect_request(
        "/cgi-bin/webhook/send", method="POST", query_string="key=K1"
    ).respond_with_json(OK)
    send(Channel("w", "wecom", {"url": httpserver.url_for("/cgi-bin/webhook/send") + "?key=K1"}), MSG)
    body = json.loads(only_request(httpserver).data)
    assert body == {
        "msgtype": "text",
        "text": {"content": MSG.text, "mentioned_mobile_list": ["13800000000"]},
    }


def test_wecom_error_code_is_a_failed_delivery(httpserver: HTTPServer) -> None:
    """HTTP 200 with errcode 93000 (invalid webhook url) is a failure, not a delivery."""
    httpserver.expect_request("/cgi-bin/webhook/send").respond_with_json(
        {"errcode": 93000, "errmsg": "invalid webhook url"}
    )
    with pytest.raises(DeliveryError, match="errcode 93000: invalid webhook url"):
        send(Channel("w", "wecom", {"url": httpserver.url_for("/cgi-bin/webhook/send") + "?key=bad"}), MSG)


def test_dingtalk_signed_request(httpserver: HTTPServer) -> None:
    """钉钉: timestamp (ms, within a minute of now) and sign in the query, URL-encoded once; text and @mobiles."""
    httpserver.expect_request("/robot/send", method="POST").respond_with_json(OK)
    url = httpserver.url_for("/robot/send") + "?access_token=T1"
    before = int(time.time() * 1000)
    send(Channel("d", "dingtalk", {"url": url, "secret": SECRET}), MSG)
    req = only_request(httpserver)
    ts = req.args["timestamp"]
    assert before <= int(ts) <= int(time.time() * 1000)
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert req.args["sign"] == expected  # the receiver decodes the query once
    assert f"sign={quote(expected, safe='')}" in req.query_string.decode()  # encoded exactly once
    assert req.args["access_token"] == "T1"
    assert json.loads(req.data) == {
        "msgtype": "text",
        "text": {"content": MSG.text},
        "at": {"atMobiles": ["13800000000"], "isAtAll": False},
    }


def test_feishu_signed_body(httpserver: HTTPServer) -> None:
    """飞书: timestamp (s) and sign in the body, sign = base64(HMAC(key=ts\\nsecret, msg="")); text content."""
    httpserver.expect_request("/open-apis/bot/v2/hook/H1", method="POST").respond_with_json(
        {"code": 0, "msg": "success", "data": {}}
    )
    before = int(time.time())
    send(
        Channel("f", "feishu", {"url": httpserver.url_for("/open-apis/bot/v2/hook/H1"), "secret": SECRET}),
        MSG,
    )
    body = json.loads(only_request(httpserver).data)
    ts = body["timestamp"]
    assert before <= int(ts) <= int(time.time())
    expected = base64.b64encode(hmac.new(f"{ts}\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body == {"timestamp": ts, "sign": expected, "msg_type": "text", "content": {"text": MSG.text}}


def test_feishu_refusal_is_a_failed_delivery(httpserver: HTTPServer) -> None:
    """飞书 answers a bad signature with code 19021 (HTTP 200): a failure."""
    httpserver.expect_request("/hook").respond_with_json({"code": 19021, "msg": "sign match fail"})
    with pytest.raises(DeliveryError, match="code 19021"):
        send(Channel("f", "feishu", {"url": httpserver.url_for("/hook"), "secret": "wrong"}), MSG)


def test_generic_webhook_json_and_headers(httpserver: HTTPServer) -> None:
    """The generic webhook posts title, text, link and the event's facts, with the configured headers."""
    httpserver.expect_request("/hook", method="POST", headers={"X-Token": "t0"}).respond_with_data("")
    send(Channel("j", "webhook", {"url": httpserver.url_for("/hook"), "headers": {"X-Token": "t0"}}), MSG)
    body = json.loads(only_request(httpserver).data)
    assert body == {"title": MSG.title, "text": MSG.text, "link": MSG.link, **MSG.facts}


def test_http_error_and_unreachable_host_are_failed_deliveries(httpserver: HTTPServer) -> None:
    """HTTP 500 and a closed port raise DeliveryError (one line), quickly."""
    httpserver.expect_request("/hook").respond_with_data("boom", status=500)
    with pytest.raises(DeliveryError, match="HTTP 500"):
        send(Channel("j", "webhook", {"url": httpserver.url_for("/hook")}), MSG)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: the connection is refused
        t0 = time.monotonic()
        with pytest.raises(DeliveryError, match="cannot reach"):
            send(Channel("j", "webhook", {"url": f"http://127.0.0.1:{port}/x"}), MSG, timeout=1.0)
        assert time.monotonic() - t0 < 2.0


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, _Inbox]]:
    """A local SMTP server (aiosmtpd) on a free port."""
    inbox = _Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


def test_email_over_smtp(smtp: tuple[Controller, _Inbox]) -> None:
    """Email through Apprise's SMTP plugin: the local server receives one message, Chinese subject and body intact."""
    controller, inbox = smtp
    settings = {
        "host": "127.0.0.1",
        "port": controller.port,
        "security": "none",
        "from": "alerts@example.com",
        "to": ("ops@example.com",),
    }
    send(Channel("m", "email", settings), MSG)
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert (sender, rcpts) == ("alerts@example.com", ["ops@example.com"])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == MSG.title
    body = parsed.get_body(preferencelist=("plain", "html"))
    assert body is not None and "今日数值:1" in body.get_content()


def test_email_to_a_dead_server_fails(smtp: tuple[Controller, _Inbox]) -> None:
    """No SMTP server on the port: a DeliveryError, nothing received."""
    _controller, inbox = smtp
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        settings = {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from": "a@example.com",
            "to": ("b@example.com",),
        }
        with pytest.raises(DeliveryError):
            send(Channel("m", "email", settings), MSG, timeout=1.0)
    assert inbox.messages == []
