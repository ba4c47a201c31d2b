"""Who issues the office's documents: letterhead, signer and recipients, all from the "digest" settings.

Names of offices change with every reorganisation (2025 moved press monitoring out of the former Sở TT&TT),
so nothing here is written in code: a home's config.yaml says who the office is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.core.settings import Settings
from pipeline.documents.document import Letterhead, Signature


def province_name(profile: Any) -> str:
    return str(getattr(profile, "name", "") or "")


def _fill(template: str, profile: Any) -> str:
    """Settings may say "{province}" / "{PROVINCE}" where the profile's name belongs."""
    name = province_name(profile)
    return template.replace("{province}", name).replace("{PROVINCE}", name.upper())


def letterhead(settings: Settings, profile: Any, issued_on: date, number: str, symbol: str | None = None) -> Letterhead:
    section = settings.section("digest")
    return Letterhead(
        parent_body=_fill(section.get("parent_body", ""), profile),
        issuing_body=_fill(section.get("issuing_body", ""), profile),
        number=number,
        symbol=symbol or section.get("symbol", ""),
        place=_fill(section.get("place") or "{province}", profile),
        issued_on=issued_on,
    )


def issuer_name(settings: Settings, profile: Any) -> str:
    """The issuing body as running text writes it ("Sở Văn hóa, Thể thao và Du lịch")."""
    return _fill(settings.get("digest.issuer_name"), profile)


def signature(settings: Settings) -> Signature:
    section = settings.section("digest")
    return Signature(
        authority=section.get("signer_authority", ""),
        title=section.get("signer_title", ""),
        name=section.get("signer_name", ""),
    )


def recipients(settings: Settings, profile: Any) -> list[str]:
    return [_fill(str(r), profile) for r in settings.get("digest.recipients")]


def font(settings: Settings) -> tuple[str, int]:
    return settings.get_str("digest.font_name"), settings.get_int("digest.font_size")
