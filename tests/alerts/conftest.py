"""An office with real channels on 127.0.0.1: an SMTP server (STARTTLS, with a certificate authority made for the
test), a stand-in for the Telegram Bot API, webhook receivers, and two people to alert (the duty officer and the
lead they escalate to)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.alerts.contacts import set_contact
from pipeline.core.home import Home
from pipeline.office.accounts import create_user
from pipeline.office.setup import create_home
from tests.servers import (
    HttpStandIn,
    SmtpServer,
    TestCertificates,
    http_stand_in,
    make_certificates,
    smtp_server,
    telegram_answer,
)

DUTY, LEAD = "trucban", "lanhdao"
DUTY_CHAT, LEAD_CHAT = "1001", "1002"
WEBHOOK_SECRET = "bi-mat-webhook"
PASSWORD = "mat-khau-dai-1"


@dataclass
class Office:
    home: Home
    smtp: SmtpServer
    telegram: HttpStandIn
    webhook: HttpStandIn

    def reopen(self) -> Home:
        """The home with its configuration read again (after configure())."""
        self.home = Home(self.home.path)
        return self.home


def configure(path: Path, overrides: dict[str, Any]) -> Home:
    config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8"))
    for section, values in overrides.items():
        if isinstance(values, dict):
            config.setdefault(section, {}).update(values)
        else:
            config[section] = values
    (path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return Home(path)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> TestCertificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


def make_office(path: Path, smtp: SmtpServer, telegram: HttpStandIn, webhook: HttpStandIn) -> Office:
    create_home(path, "thai-nguyen")
    home = configure(path, {
        "smtp": smtp.settings(),
        "alerts": {"telegram_api": telegram.url, "telegram_token": "TEST-TOKEN",
                   "webhooks": {"zalo": f"{webhook.url}/zalo"}, "webhook_secret": WEBHOOK_SECRET},
        "dashboard": {"public_url": "https://diemtin.thainguyen.gov.vn"},
    })
    with home.open_store() as store:
        for login, role, chat in ((DUTY, "analyst", DUTY_CHAT), (LEAD, "lead", LEAD_CHAT)):
            create_user(store, login, role, PASSWORD, by="test")
            set_contact(store, login, email=f"{login}@thainguyen.gov.vn", telegram=chat, by="test")
    return Office(home, smtp, telegram, webhook)


@pytest.fixture
def office(tmp_path: Path, certificates: TestCertificates) -> Iterator[Office]:
    with smtp_server("starttls", certificates) as smtp, http_stand_in(telegram_answer) as telegram, \
            http_stand_in(lambda n, r: (200, {"received": True})) as webhook:
        yield make_office(tmp_path / "home", smtp, telegram, webhook)
