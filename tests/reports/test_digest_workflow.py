"""Saved digests: scheduled once per period, approved by a lead, sent by e-mail to a real SMTP server."""

from __future__ import annotations

import base64
import email
import hashlib
from datetime import UTC, date, datetime
from email import policy

import pytest

from pipeline.reports.digests import (
    DigestError,
    approve_digest,
    digest_file,
    issue,
    list_digests,
    run_due_digests,
    send_digest,
)
from pipeline.reports.periods import Period
from tests.reports.conftest import make_home
from tests.reports.seed import DAY, RELEVANT_DAY_COUNT
from tests.servers import SMTP_PASSWORD, SMTP_USER, free_port, make_certificates, smtp_server

DAY_PERIOD = Period.containing("day", date.fromisoformat(DAY))
# 25/11/2026 07:05 in Vietnam is 00:05 UTC.
MORNING = datetime(2026, 11, 25, 0, 5, tzinfo=UTC)
# Tests about the workflow, not the files, skip the PDF (WeasyPrint takes about two seconds a document).
LIGHT = {"digest": {"formats": ["docx", "md"], "attach": ["docx"]}}
DAWN = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 05:30 local, before the digest hour (7)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(certificates):
    """A real SMTP server that takes the password only over STARTTLS, as an office's mail server does."""
    with smtp_server("starttls", certificates) as server:
        yield server


def test_scheduler_issues_each_due_period_once(seeded):
    home, _ = seeded
    with home.open_store() as store:
        assert run_due_digests(home, store, DAWN) == []  # before the configured hour
        issued = run_due_digests(home, store, MORNING)
        assert sorted(d["id"] for d in issued) == ["day-2026-11-24", "month-2026-10", "week-2026-11-16"]
        assert run_due_digests(home, store, MORNING) == []  # idempotent: one digest per period
        day = next(d for d in list_digests(store) if d["id"] == "day-2026-11-24")
    assert day["status"] == "draft" and day["created_by"] == "scheduler"
    assert day["figures"]["items"] == RELEVANT_DAY_COUNT
    assert set(day["files"]) == {"docx", "pdf", "html", "md"}
    assert "data" not in day["files"]["docx"]  # listings carry checksums, not contents


def test_saved_files_are_returned_intact_and_tampering_is_detected(seeded):
    home, _ = seeded
    with home.open_store() as store:
        record = issue(home, store, DAY_PERIOD, actor="canbo", now=MORNING)
        docx = digest_file(store, record["id"], "docx")
        assert docx.startswith(b"PK") and hashlib.sha256(docx).hexdigest() == record["files"]["docx"]["sha256"]
        assert digest_file(store, record["id"], "pdf").startswith(b"%PDF")
        raw = store.get_record("digests", record["id"])
        raw["files"]["md"]["data"] = base64.b64encode(b"# sua doi").decode()
        store.put_record("digests", record["id"], raw)
        with pytest.raises(DigestError, match="SHA-256"):
            digest_file(store, record["id"], "md")


def test_numbers_count_up_within_the_year(tmp_path):
    home, _ = make_home(tmp_path / "home", LIGHT)
    with home.open_store() as store:
        first = issue(home, store, DAY_PERIOD, actor="canbo", now=MORNING)
        second = issue(home, store, DAY_PERIOD.previous(), actor="canbo", now=MORNING)
        again = issue(home, store, DAY_PERIOD, actor="canbo", now=MORNING)  # a redone draft keeps its number
    assert (first["number"], second["number"], again["number"]) == ("1", "2", "1")


def test_only_a_lead_approves_and_only_an_approved_digest_is_sent(tmp_path, smtp):
    home, _ = make_home(tmp_path / "home", LIGHT)
    with home.open_store() as store:
        record = issue(home, store, DAY_PERIOD, actor="canbo", now=MORNING)
        with pytest.raises(DigestError, match="không có quyền"):
            approve_digest(store, record["id"], "canbo")  # an analyst
        with pytest.raises(DigestError, match="không có quyền"):
            approve_digest(store, record["id"], "nguoi-la")  # no such user
        with pytest.raises(DigestError, match="chỉ gửi được điểm tin đã duyệt"):
            send_digest(home, store, record["id"], "truongphong")
        approved = approve_digest(store, record["id"], "truongphong")
        assert approved["status"] == "approved" and approved["approved_by"] == "truongphong"
        with pytest.raises(DigestError):
            issue(home, store, DAY_PERIOD, actor="canbo")  # an approved digest is never rebuilt
        actions = [a["action"] for a in store.list_audit("digest", record["id"])]
    assert actions == ["digest.issue", "digest.approve"]
    assert smtp.mailbox.envelopes == []


def test_approved_digest_is_mailed_with_docx_and_pdf_attached(tmp_path, smtp):
    mailbox = smtp.mailbox
    home, _ = make_home(tmp_path / "home", {"smtp": smtp.settings(
        sender="diemtin@sovhttdl.thainguyen.gov.vn", to=["lanhdao@thainguyen.gov.vn", "vanphong@thainguyen.gov.vn"],
    )})
    with home.open_store() as store:
        record = issue(home, store, DAY_PERIOD, actor="canbo", now=MORNING)
        approve_digest(store, record["id"], "truongphong")
        sent = send_digest(home, store, record["id"], "truongphong")
        docx, pdf = digest_file(store, record["id"], "docx"), digest_file(store, record["id"], "pdf")
        assert store.get_record("digests", record["id"])["status"] == "sent"
    assert sent["status"] == "sent" and sent["sent_to"] == ["lanhdao@thainguyen.gov.vn", "vanphong@thainguyen.gov.vn"]
    assert mailbox.logins == [(SMTP_USER.encode(), SMTP_PASSWORD.encode(), True)]  # over STARTTLS
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "diemtin@sovhttdl.thainguyen.gov.vn"
    assert sorted(envelope.rcpt_tos) == ["lanhdao@thainguyen.gov.vn", "vanphong@thainguyen.gov.vn"]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["Subject"] == "Điểm tin báo chí - Về tỉnh Thái Nguyên, ngày 24/11/2026"
    body = message.get_body(("plain",)).get_content()
    assert f"Tổng số tin, bài: {RELEVANT_DAY_COUNT}" in body
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert attachments == {"diem-tin-day-2026-11-24.docx": docx, "diem-tin-day-2026-11-24.pdf": pdf}


def test_sending_to_an_unreachable_server_fails_plainly_and_keeps_the_digest_approved(tmp_path):
    home, _ = make_home(tmp_path / "home", {**LIGHT, "smtp": {"host": "127.0.0.1", "port": free_port(),
                                                              "tls": "none", "timeout": 5}})
    from pipeline.reports.mail import MailError

    with home.open_store() as store:
        record = issue(home, store, DAY_PERIOD, actor="canbo", now=MORNING)
        approve_digest(store, record["id"], "truongphong")
        with pytest.raises(MailError, match="Không gửi được thư"):
            send_digest(home, store, record["id"], "truongphong")
        assert store.get_record("digests", record["id"])["status"] == "approved"


def test_a_digest_is_never_sent_with_a_password_in_clear(tmp_path):
    """smtp.tls none with a user: refused with a Vietnamese message before connecting; the digest stays approved."""
    from pipeline.reports.mail import MailError

    with smtp_server("none") as server:
        home, _ = make_home(tmp_path / "home", {**LIGHT, "smtp": server.settings(
            user=SMTP_USER, password=SMTP_PASSWORD, to=["lanhdao@thainguyen.gov.vn"])})
        with home.open_store() as store:
            record = issue(home, store, DAY_PERIOD, actor="canbo", now=MORNING)
            approve_digest(store, record["id"], "truongphong")
            with pytest.raises(MailError, match="không được mã hóa"):
                send_digest(home, store, record["id"], "truongphong")
            assert store.get_record("digests", record["id"])["status"] == "approved"
        assert server.mailbox.logins == [] and server.mailbox.envelopes == []
