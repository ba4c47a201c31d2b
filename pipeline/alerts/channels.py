"""The ways an alert reaches people and systems: e-mail (the office's SMTP settings, shared with the digests),
Telegram bot messages (the Bot API's base URL is a setting, so a relay or a test server can stand in), and a
generic JSON webhook (a Zalo OA bridge, the office's own system), signed with HMAC-SHA256.

Each sender raises :class:`DeliveryError` saying whether trying again can help (a server down, a timeout, 429,
5xx) or not (a configuration error, a chat that does not exist): pipeline/alerts/delivery.py retries the first
and keeps the second as a dead letter at once. Secrets (the bot token, the SMTP password) never appear in an
error message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from pipeline.core.settings import Settings
from pipeline.reports.mail import MailError, build_message, send_message

# Telegram refuses longer messages.
TELEGRAM_MAX_CHARS = 4096
SIGNATURE_HEADER = "X-DiemTin-Signature"


class DeliveryError(Exception):
    """A message that did not go; ``permanent`` when trying again cannot help, ``retry_after`` (seconds) when
    the receiver said how long to wait."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    payload: dict[str, Any]  # what a webhook receives


def send_email(settings: Settings, address: str, message: Message) -> str:
    smtp = settings.section("smtp")
    try:
        send_message(smtp, build_message(smtp.get("sender") or "", [address], message.subject, message.text, []))
    except MailError as exc:
        raise DeliveryError(str(exc), permanent=exc.permanent) from exc
    return "ok"


def _post_json(url: str, body: bytes, headers: dict[str, str], timeout: float, shown: str) -> tuple[int, Any]:
    """POST and read a JSON answer; the status and the parsed body (None if not JSON). ``shown`` is the address
    as errors may print it (without secrets)."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "DiemTin-alerts/1", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) only, checked
            status, raw = answer.status, answer.read(1_000_000)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(1_000_000)
        retry_after = exc.headers.get("Retry-After") if exc.headers else None
        try:
            parsed = json.loads(raw or b"null")
        except ValueError:
            parsed = None
        if retry_after and str(retry_after).isdigit() and isinstance(parsed, dict):
            parsed.setdefault("_retry_after", int(retry_after))
        return status, parsed
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"Không kết nối được {shown}: {reason}") from None
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, None


def _http_failure(status: int, shown: str, detail: str, retry_after: float | None = None) -> DeliveryError:
    temporary = status in (408, 425, 429) or status >= 500
    return DeliveryError(f"{shown} trả lời HTTP {status}{': ' + detail if detail else ''}",
                         permanent=not temporary, retry_after=retry_after)


def send_telegram(settings: Settings, chat_id: str, message: Message) -> str:
    token = settings.get_str("alerts.telegram_token")
    if not token:
        raise DeliveryError("Chưa cấu hình mã bot Telegram (biến môi trường DIEMTIN_ALERTS__TELEGRAM_TOKEN).",
                            permanent=True)
    base = settings.get_str("alerts.telegram_api").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise DeliveryError(f"alerts.telegram_api phải là địa chỉ http(s): {base!r}", permanent=True)
    text = message.text if len(message.text) <= TELEGRAM_MAX_CHARS else message.text[:TELEGRAM_MAX_CHARS - 1] + "…"
    body = json.dumps({"chat_id": chat_id, "text": text, "disable_web_page_preview": True}).encode()
    shown = f"Telegram ({base}/bot***/sendMessage)"
    status, answer = _post_json(f"{base}/bot{token}/sendMessage", body, {}, settings.get_float("alerts.timeout"),
                                shown)
    if status == 200 and isinstance(answer, dict) and answer.get("ok"):
        return str((answer.get("result") or {}).get("message_id", "ok"))
    answer = answer if isinstance(answer, dict) else {}
    retry_after = (answer.get("parameters") or {}).get("retry_after") or answer.get("_retry_after")
    raise _http_failure(status, shown, str(answer.get("description") or "").replace(token, "***"), retry_after)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(settings: Settings, name: str, message: Message) -> str:
    url = (settings.get_dict("alerts.webhooks") or {}).get(name)
    if not url:
        raise DeliveryError(f"Không còn webhook '{name}' trong cấu hình (alerts.webhooks).", permanent=True)
    if not str(url).startswith(("http://", "https://")):
        raise DeliveryError(f"Webhook '{name}' phải là địa chỉ http(s).", permanent=True)
    body = json.dumps(message.payload, ensure_ascii=False, default=str).encode("utf-8")
    headers = {}
    secret = settings.get_str("alerts.webhook_secret")
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    shown = f"webhook '{name}'"
    status, answer = _post_json(str(url), body, headers, settings.get_float("alerts.timeout"), shown)
    if 200 <= status < 300:
        return "ok"
    retry_after = answer.get("_retry_after") if isinstance(answer, dict) else None
    raise _http_failure(status, shown, "", retry_after)


SENDERS = {"email": send_email, "telegram": send_telegram, "webhook": send_webhook}


def send(settings: Settings, channel: str, address: str, message: Message) -> str:
    """Deliver one message; returns the receiver's reference (a Telegram message id, "ok")."""
    return SENDERS[channel](settings, address, message)
