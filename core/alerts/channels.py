"""The five channels an alert goes to, each one function ``send(channel, message, timeout)``.

Which library sends what, and why:

* **email** goes through Apprise's SMTP plugin (``apprise.plugins.email``): plain SMTP, STARTTLS or
  SSL, with or without login; its success or failure is the SMTP server's answer.
* **企业微信 (wecom)**, **钉钉 (dingtalk)** and **飞书 (feishu)** robots are written here with the
  standard library (``urllib``), for reasons found when checking Apprise 2.2 against the platforms'
  documentation: the three robots answer an error (wrong key, bad signature, rate limit) with HTTP 200
  and a non-zero ``errcode`` / ``code`` in the JSON body, which Apprise does not read, so a refused
  alert would be logged as delivered and never retried; Apprise's DingTalk plugin URL-quotes the
  signature and then lets ``requests`` quote it again (``%2B`` → ``%252B``), which DingTalk refuses;
  its Feishu plugin has no signature at all; and each plugin posts to the platform's fixed host, so a
  company's proxy or private deployment cannot be named.
* the **generic JSON webhook** posts this product's own document (:func:`webhook_payload`); there is
  no platform format to match.

Payloads (documented formats of the platforms):

* wecom: ``{"msgtype": "text", "text": {"content": …, "mentioned_mobile_list": […]}}``;
* dingtalk: ``{"msgtype": "text", "text": {"content": …}, "at": {"atMobiles": […], "isAtAll": false}}``,
  with ``&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp+"\\n"+secret)))>``
  added to the URL when a secret is set;
* feishu: ``{"timestamp": "<s>", "sign": base64(HMAC-SHA256(key=timestamp+"\\n"+secret, msg="")),
  "msg_type": "text", "content": {"text": …}}`` (``timestamp``/``sign`` only with a secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from core.alerts.config import Channel


class DeliveryError(Exception):
    """A message the channel did not accept: the reason in one line."""


@dataclass(frozen=True)
class Message:
    """What is sent: a title line, the text (with the link), and the facts for the JSON webhook."""

    title: str
    text: str
    link: str
    facts: dict[str, Any] = field(default_factory=dict)
    mention: tuple[str, ...] = ()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64 of HMAC-SHA256 keyed by the secret over ``timestamp + "\\n" + secret``
    (URL-encode it once when putting it in the query string)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: base64 of HMAC-SHA256 keyed by ``timestamp + "\\n" + secret`` over an empty message."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _post_json(
    url: str, payload: dict[str, Any], timeout: float, headers: dict[str, str] | None = None
) -> Any:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"cannot reach {urllib.parse.urlsplit(url).netloc}: {reason}") from None
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return body


def _check_code(answer: Any, *keys: str) -> None:
    """The robots answer errors with HTTP 200 and a non-zero code in the body."""
    if isinstance(answer, dict):
        for key in keys:
            code = answer.get(key)
            if code not in (None, 0):
                msg = answer.get("errmsg") or answer.get("msg") or ""
                raise DeliveryError(f"{key} {code}: {msg}")


def _wecom(ch: Channel, msg: Message, timeout: float) -> None:
    text: dict[str, Any] = {"content": msg.text}
    if msg.mention:
        text["mentioned_mobile_list"] = list(msg.mention)
    _check_code(_post_json(ch.settings["url"], {"msgtype": "text", "text": text}, timeout), "errcode")


def _dingtalk(ch: Channel, msg: Message, timeout: float) -> None:
    url = ch.settings["url"]
    secret = ch.settings.get("secret")
    if secret:
        ts = int(time.time() * 1000)
        sign = urllib.parse.quote(dingtalk_sign(str(secret), ts), safe="")
        url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={sign}"
    payload = {
        "msgtype": "text",
        "text": {"content": msg.text},
        "at": {"atMobiles": list(msg.mention), "isAtAll": False},
    }
    _check_code(_post_json(url, payload, timeout), "errcode")


def _feishu(ch: Channel, msg: Message, timeout: float) -> None:
    payload: dict[str, Any] = {}
    secret = ch.settings.get("secret")
    if secret:
        ts = int(time.time())
        payload |= {"timestamp": str(ts), "sign": feishu_sign(str(secret), ts)}
    payload |= {"msg_type": "text", "content": {"text": msg.text}}
    _check_code(_post_json(ch.settings["url"], payload, timeout), "code", "StatusCode")


def webhook_payload(msg: Message) -> dict[str, Any]:
    """The generic webhook's JSON: ``title``, ``text``, ``link`` and the event's facts
    (``kind``, ``rule_id``, ``signal``, ``entity_kind``, ``entity``, ``day``, ``value``, ``threshold``,
    ``op``, ``source``, ``event_id``)."""
    return {"title": msg.title, "text": msg.text, "link": msg.link, **msg.facts}


def _webhook(ch: Channel, msg: Message, timeout: float) -> None:
    headers = {str(k): str(v) for k, v in dict(ch.settings.get("headers", {})).items()}
    _post_json(ch.settings["url"], webhook_payload(msg), timeout, headers)


def _email(ch: Channel, msg: Message, timeout: float) -> None:
    import importlib

    # Apprise has no type hints: its objects are used as Any.
    apprise: Any = importlib.import_module("apprise")
    notify_email: Any = importlib.import_module("apprise.plugins.email").NotifyEmail

    s = ch.settings
    mode = {"ssl": "ssl", "starttls": "starttls", "none": "insecure"}[s.get("security", "starttls")]
    plugin = notify_email(
        host=s["host"],
        port=int(s["port"]),
        user=s.get("username"),
        password=s.get("password"),
        smtp_host=s["host"],
        from_addr=s["from"],
        targets=list(s["to"]),
        secure_mode=mode,
        secure=mode == "ssl",
    )
    plugin.socket_connect_timeout = plugin.socket_read_timeout = timeout
    with apprise.LogCapture(level=logging.WARNING) as logs:
        ok = plugin.send(body=msg.text, title=msg.title)
    if not ok:
        lines = [ln for ln in logs.getvalue().splitlines() if ln.strip()]
        raise DeliveryError(lines[-1].split(" - ", 2)[-1] if lines else "the SMTP server refused the message")


_SENDERS = {"wecom": _wecom, "dingtalk": _dingtalk, "feishu": _feishu, "email": _email, "webhook": _webhook}


def send(channel: Channel, message: Message, *, timeout: float = 5.0) -> None:
    """Send one message; raise :class:`DeliveryError` (one line) when it was not accepted."""
    try:
        _SENDERS[channel.type](channel, message, timeout)
    except DeliveryError:
        raise
    except Exception as exc:  # noqa: BLE001 (a channel never stops the caller: any failure is a failed delivery)
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None


__all__ = ["DeliveryError", "Message", "dingtalk_sign", "feishu_sign", "send", "webhook_payload"]
