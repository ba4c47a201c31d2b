"""Sending e-mail over SMTP, for digests and alerts alike (settings "smtp": host, port, tls none|starttls|ssl,
credentials, ca_certs, allow_plaintext_auth)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid
from typing import Any


class MailError(Exception):
    """Sending failed; the message says why in Vietnamese, for the person who pressed "send". ``permanent``: the
    settings or the server refuse it, and trying again as it is cannot help (an alert is then kept as a dead
    letter at once instead of being retried)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class _MailPolicy(EmailPolicy):
    """The standard policy, except that a non-ASCII Subject is folded by :class:`email.header.Header`: Python
    3.11's folder drops the space where it splits a Vietnamese subject into two encoded words ("vùi lấp nhà"
    arrives as "vùi lấpnhà"), the legacy encoder keeps it."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject" and not str(value).isascii():
            return f"{name}: {Header(str(value), 'utf-8', header_name=name).encode(linesep=self.linesep)}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy()


def build_message(sender: str, to: Sequence[str], subject: str, body: str,
                  attachments: Sequence[tuple[str, str, bytes]]) -> EmailMessage:
    """``attachments``: (file name, media type, bytes). The subject is one line whatever it was given (a
    crawled title never adds a header)."""
    message = EmailMessage(policy=MAIL_POLICY)
    subject = " ".join(str(subject).split())
    message["From"], message["To"], message["Subject"] = sender, ", ".join(to), subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else None)
    message.set_content(body)
    for name, media_type, data in attachments:
        maintype, subtype = media_type.split(";")[0].split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def _context(smtp: dict[str, Any]) -> ssl.SSLContext:
    """Certificates are always verified: the system's authorities, or the office's own (smtp.ca_certs)."""
    ca_certs = smtp.get("ca_certs") or None
    try:
        return ssl.create_default_context(cafile=ca_certs)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"Không đọc được tệp chứng chỉ smtp.ca_certs ({ca_certs}): {exc}", permanent=True) from exc


def check_settings(smtp: dict[str, Any]) -> None:
    """Refuse, before connecting, what would be unsafe or cannot work: a password over an unencrypted
    connection is never sent unless the office said so explicitly (smtp.allow_plaintext_auth)."""
    tls = smtp.get("tls", "starttls")
    if not smtp.get("host"):
        raise MailError("Chưa cấu hình máy chủ thư (smtp.host).", permanent=True)
    if tls not in ("none", "starttls", "ssl"):
        raise MailError(f"Chế độ TLS '{tls}' không hợp lệ; chọn none, starttls hoặc ssl.", permanent=True)
    if tls == "none" and smtp.get("user") and smtp.get("allow_plaintext_auth") is not True:
        raise MailError(
            "Không gửi thư: smtp.tls là 'none' nên mật khẩu thư sẽ đi qua mạng không được mã hóa. "
            "Hãy đặt smtp.tls là 'starttls' (cổng 587) hoặc 'ssl' (cổng 465). Chỉ khi máy chủ thư nằm trong mạng "
            "nội bộ và không hỗ trợ TLS, mới đặt smtp.allow_plaintext_auth: true để chấp nhận rủi ro này.",
            permanent=True,
        )


def send_message(smtp: dict[str, Any], message: EmailMessage) -> None:
    """Send one message over SMTP: "ssl" is TLS from the first byte (port 465), "starttls" upgrades a plain
    connection and fails if the server cannot (never falls back to clear text), "none" is for relays inside the
    office's network and carries no password unless explicitly allowed."""
    check_settings(smtp)
    host, port, tls = smtp["host"], int(smtp.get("port") or 0), smtp.get("tls", "starttls")
    timeout = float(smtp.get("timeout") or 30)
    context = _context(smtp) if tls != "none" else None
    try:
        if tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port or 25, timeout=timeout)
        with client:
            if tls == "starttls":
                try:
                    client.starttls(context=context)
                except smtplib.SMTPNotSupportedError as exc:
                    raise MailError(f"Máy chủ thư {host}:{port} không hỗ trợ STARTTLS; không gửi thư qua kết nối "
                                    "không mã hóa. Kiểm tra smtp.port và smtp.tls (ssl cho cổng 465).",
                                    permanent=True) from exc
            if smtp.get("user"):
                try:
                    client.login(smtp["user"], smtp.get("password") or "")
                except smtplib.SMTPNotSupportedError as exc:
                    raise MailError(f"Máy chủ thư {host}:{port} không nhận đăng nhập (AUTH); bỏ smtp.user nếu "
                                    "máy chủ không cần đăng nhập.", permanent=True) from exc
            client.send_message(message)
    except ssl.SSLCertVerificationError as exc:
        raise MailError(f"Chứng chỉ của máy chủ thư {host}:{port} không hợp lệ ({exc.verify_message}); "
                        "nếu cơ quan dùng chứng chỉ riêng, đặt smtp.ca_certs là tệp CA của cơ quan.",
                        permanent=True) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"Máy chủ thư {host}:{port} từ chối tên đăng nhập hoặc mật khẩu (smtp.user).",
                        permanent=True) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"Máy chủ thư {host}:{port} từ chối người nhận: {', '.join(exc.recipients)}",
                        permanent=True) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Không gửi được thư qua {host}:{port}: {exc}") from exc
