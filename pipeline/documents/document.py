"""An administrative document as data, rendered to DOCX, HTML/PDF and Markdown by the renderers.

Digests, period reports and case files are all documents in the form of Nghị định 30/2020/NĐ-CP: the
issuing body and the national motto side by side, number and symbol, place and date, a title, the body, the
signature block and "Nơi nhận". Building the content once as these blocks keeps every format saying the same
thing; each renderer only decides how a block looks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.core.text import xml_safe

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"


def document_number(number: str | int | None) -> str:
    """A register number as ND 30/2020 writes it: Arabic numerals, below 10 with a leading zero ("01")."""
    text = str(number or "").strip()
    return text.zfill(2) if text.isdigit() else text


@dataclass(frozen=True)
class Letterhead:
    parent_body: str  # the body above the issuer, e.g. "UBND TỈNH THÁI NGUYÊN"; may be empty
    issuing_body: str  # e.g. "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"
    number: str  # "12" or "" when the clerk numbers it on issue
    symbol: str  # "ĐT-SVHTTDL"
    place: str  # "Thái Nguyên"
    issued_on: date

    @property
    def number_line(self) -> str:
        return f"Số: {document_number(self.number) or '......'}/{self.symbol}"

    @property
    def date_line(self) -> str:
        day = self.issued_on
        # ND 30/2020: days below 10 and months below 3 are written with a leading zero.
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"{self.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


# Where the signer's name goes when the settings do not give it yet (digest.signer_name): a line to fill in
# by hand, as the number is ("Số: ......"), never nothing.
UNSIGNED_NAME = "................................"


@dataclass(frozen=True)
class Signature:
    authority: str  # "KT. GIÁM ĐỐC" or "" when the head signs
    title: str  # "PHÓ GIÁM ĐỐC"
    name: str

    @property
    def name_line(self) -> str:
        return self.name.strip() or UNSIGNED_NAME


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""
    widths: tuple[float, ...] = ()  # column widths in cm; empty: the renderer decides


@dataclass(frozen=True)
class Figure:
    png: bytes
    caption: str


@dataclass(frozen=True)
class Entry:
    """One press item (or one story carried by several outlets) as a digest lists it."""

    outlet: str
    title: str
    date: str  # dd/mm/yyyy
    url: str
    summary: str
    outlet_count: int = 1
    notes: list[str] = field(default_factory=list)  # e.g. the responsible agency, what was done

    @property
    def source_line(self) -> str:
        also = f" và {self.outlet_count - 1} cơ quan báo chí khác cùng đưa tin" if self.outlet_count > 1 else ""
        return f"{self.outlet}{also}, {self.date}"


@dataclass(frozen=True)
class EntryList:
    entries: list[Entry]
    empty_text: str = "Không có tin, bài trong kỳ."
    lettered: bool = False  # under a numbered sub-heading items are a), b), c)... as ND 30/2020 nests them

    def marker(self, number: int) -> str:
        return f"{chr(ord('a') + number - 1)})" if self.lettered and number <= 26 else f"{number}."


Block = Heading | Paragraph | Table | Figure | EntryList


@dataclass
class Document:
    letterhead: Letterhead
    title: str  # "ĐIỂM TIN BÁO CHÍ"
    subtitle: str  # "Ngày 24/11/2026"
    blocks: list[Block]
    signature: Signature
    recipients: list[str]
    addressee: str = ""  # "Kính gửi: ..." for a document sent to one agency
    font_name: str = "Times New Roman"
    font_size: int = 13


def xml_safe_tree(value: Any) -> Any:
    """A document (or any block, list or mapping of them) with every string made safe for XML: text stored before
    normalisation removed NULs and other control characters must not make a renderer fail."""
    if isinstance(value, str):
        return xml_safe(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: xml_safe_tree(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [xml_safe_tree(entry) for entry in value]
    if isinstance(value, tuple):
        return tuple(xml_safe_tree(entry) for entry in value)
    if isinstance(value, dict):
        return {key: xml_safe_tree(entry) for key, entry in value.items()}
    return value
