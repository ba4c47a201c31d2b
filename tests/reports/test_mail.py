"""Mail for digests and alerts over a real SMTP server: plain, STARTTLS and implicit TLS with a certificate
authority made here; a password never crosses the network in clear unless the office opted in, in writing."""

from __future__ import annotations

import email
from email import policy

import pytest

from pipeline.reports.mail import MailError, build_message, send_message
from tests.servers import SMTP_PASSWORD, SMTP_USER, make_certificates, smtp_server


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("tls"))


def _message(subject: str = "Cảnh báo thử"):
    return build_message("canhbao@sovhttdl.thainguyen.gov.vn", ["trucban@thainguyen.gov.vn"], subject,
                         "Nội dung tiếng Việt có dấu.", [])


def _received(server) -> email.message.EmailMessage:
    [envelope] = server.mailbox.envelopes
    return email.message_from_bytes(envelope.original_content, policy=policy.default)


def test_a_long_vietnamese_subject_arrives_whole():
    """Python's header folder loses the space between two encoded words of a long Vietnamese subject."""
    subject = "[Điểm tin] [KHẨN] Sạt lở đất vùi lấp nhà dân ở xã Ba Bể, hàng chục hộ phải di dời khẩn cấp trong đêm"
    with smtp_server("none") as server:
        send_message(server.settings(), _message(subject + "\r\nBcc: ke-la@example.com"))
        received = _received(server)
        assert received["Subject"] == subject + " Bcc: ke-la@example.com"  # one line: no header smuggled in
        assert received["Bcc"] is None
        assert all(len(line) <= 78 for line in server.mailbox.envelopes[0].original_content.splitlines())


def test_plain_relay_without_a_password_delivers():
    with smtp_server("none") as server:
        send_message(server.settings(), _message())
        assert _received(server)["Subject"] == "Cảnh báo thử"
        assert server.mailbox.encrypted == [False] and server.mailbox.logins == []


def test_starttls_upgrades_before_the_password_is_sent(certificates):
    with smtp_server("starttls", certificates) as server:
        send_message(server.settings(), _message("Qua STARTTLS"))
        assert _received(server)["Subject"] == "Qua STARTTLS"
        assert server.mailbox.logins == [(SMTP_USER.encode(), SMTP_PASSWORD.encode(), True)]
        assert server.mailbox.encrypted == [True]


def test_ssl_is_encrypted_from_the_first_byte(certificates):
    with smtp_server("ssl", certificates) as server:
        send_message(server.settings(port=server.port), _message("Qua SSL"))
        assert _received(server)["Subject"] == "Qua SSL"
        assert server.mailbox.logins == [(SMTP_USER.encode(), SMTP_PASSWORD.encode(), True)]


def test_a_password_over_an_unencrypted_connection_is_refused_before_connecting():
    with smtp_server("none") as server:
        settings = server.settings(user=SMTP_USER, password=SMTP_PASSWORD)
        with pytest.raises(MailError, match="mật khẩu thư sẽ đi qua mạng không được mã hóa") as refused:
            send_message(settings, _message())
        assert "smtp.allow_plaintext_auth" in str(refused.value) and SMTP_PASSWORD not in str(refused.value)
        assert server.mailbox.logins == [] and server.mailbox.envelopes == []
        # The documented opt-in, for a relay inside the office's network that has no TLS.
        send_message({**settings, "allow_plaintext_auth": True}, _message())
        assert server.mailbox.logins == [(SMTP_USER.encode(), SMTP_PASSWORD.encode(), False)]


def test_a_server_that_does_not_offer_starttls_gets_nothing(certificates):
    with smtp_server("starttls", certificates, offer_starttls=False) as server:
        with pytest.raises(MailError, match="không hỗ trợ STARTTLS"):
            send_message(server.settings(), _message())
        assert server.mailbox.logins == [] and server.mailbox.envelopes == []


def test_a_certificate_nobody_vouches_for_is_refused(certificates):
    with smtp_server("ssl", certificates) as server:
        settings = server.settings()
        settings.pop("ca_certs")
        with pytest.raises(MailError, match="Chứng chỉ của máy chủ thư"):
            send_message(settings, _message())
        assert server.mailbox.logins == []


def test_a_missing_ca_file_is_named(tmp_path, certificates):
    with smtp_server("ssl", certificates) as server, pytest.raises(MailError, match="smtp.ca_certs"):
        send_message(server.settings(ca_certs=str(tmp_path / "khong-co.pem")), _message())
