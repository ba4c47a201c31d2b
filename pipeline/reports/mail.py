"""Sending documents by e-mail over SMTP (settings "smtp": host, port, tls none|starttls|ssl, credentials)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any


class MailError(Exception):
    """Sending failed; the message says why in Vietnamese, for the person who pressed "send"."""


def build_message(sender: str, to: Sequence[str], subject: str, body: str,
                  attachments: Sequence[tuple[str, str, bytes]]) -> EmailMessage:
    """``attachments``: (file name, media type, bytes)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(to), subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else None)
    message.set_content(body)
    for name, media_type, data in attachments:
        maintype, subtype = media_type.split(";")[0].split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def send_message(smtp: dict[str, Any], message: EmailMessage) -> None:
    host, port, tls = smtp.get("host"), int(smtp.get("port") or 0), smtp.get("tls", "starttls")
    if not host:
        raise MailError("Chưa cấu hình máy chủ thư (smtp.host).")
    if tls not in ("none", "starttls", "ssl"):
        raise MailError(f"Chế độ TLS '{tls}' không hợp lệ; chọn none, starttls hoặc ssl.")
    timeout = float(smtp.get("timeout") or 30)
    context = ssl.create_default_context()
    try:
        if tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port or 25, timeout=timeout)
        with client:
            if tls == "starttls":
                client.starttls(context=context)
            if smtp.get("user"):
                client.login(smtp["user"], smtp.get("password") or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Không gửi được thư qua {host}:{port}: {exc}") from exc
