"""The case file an agency receives: a "phiếu chuyển xử lý" (DOCX) and a ZIP of evidence it can check.

The ZIP holds, for each item, the raw HTML archived when it was fetched, the extracted text and a
metadata file (original URL, capture time, the SHA-256 recorded at capture), plus the case with its audit
history and the phiếu itself. ``SHA256SUMS`` lists every file's checksum in the format of GNU ``sha256sum``,
so an agency can check the evidence with standard tools (``sha256sum -c SHA256SUMS``) or with
``diemtin case verify``; the latter also checks each raw page against the checksum taken at capture time.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.home import Home
from pipeline.core.item import display_title, published_text
from pipeline.core.store.base import Store
from pipeline.core.timeutil import format_vn, iso, local_day, now_utc
from pipeline.documents import letterhead as office
from pipeline.documents.document import Document, Entry, EntryList, Heading, Paragraph, Table
from pipeline.documents.render_docx import render_docx
from pipeline.office.cases import SEVERITIES, get_case
from pipeline.office.keys import ensure_office_key, load_private_key
from pipeline.reports.evidence import MANIFEST, SIGNATURE, check_case_zip, sign_manifest
from pipeline.reports.facts import known_rebuttals, outlet_names, outlet_of, rebuttal_note, verdicts
from pipeline.reports.summary import summarize

PHIEU = "phieu-chuyen-xu-ly.docx"
README = f"""HỒ SƠ BẰNG CHỨNG KÈM PHIẾU CHUYỂN XỬ LÝ

Tệp nén gồm:
- {PHIEU}: phiếu chuyển xử lý;
- case.json: hồ sơ và toàn bộ lịch sử xử lý (nhật ký kiểm tra);
- items/<số thứ tự>-<mã tin>/raw.html: trang gốc lưu tại thời điểm thu thập;
- items/<số thứ tự>-<mã tin>/text.txt: nội dung văn bản trích xuất;
- items/<số thứ tự>-<mã tin>/metadata.json: đường dẫn gốc, thời điểm lưu, mã SHA-256 ghi nhận khi thu thập;
- {MANIFEST}: mã kiểm tra SHA-256 của mọi tệp;
- {SIGNATURE}: chữ ký số Ed25519 của cơ quan gửi trên {MANIFEST} (người ký, thời điểm ký, mã hồ sơ).

Kiểm tra tính toàn vẹn: giải nén rồi chạy "sha256sum -c {MANIFEST}". Kiểm tra cả nguồn gốc (chữ ký):
"diemtin case verify --public-key <khóa công khai của cơ quan gửi> <tệp zip>".
"""


@dataclass(frozen=True)
class CaseFile:
    docx: Path
    zip: Path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def case_document(home: Home, store: Store, case: dict[str, Any], items: list[dict[str, Any]],
                  captures: dict[str, dict[str, Any] | None], issued_on: Any) -> Document:
    """The "phiếu chuyển xử lý": a letter to an agency saying what was published, where and when, why the
    office asks it to act (an analyst's finding and the official rebuttal, in words), the evidence enclosed
    and what it asks for by when. Never the system's internal scores, weights or keyword hits: the agency
    acts on what people verified, and those numbers mean nothing outside the office."""
    settings, profile = home.settings, home.profile
    names = outlet_names(store)
    agencies = {a.id: a.name for a in profile.agencies}
    agency = agencies.get(case.get("agency") or "", case.get("agency") or "chưa xác định")
    findings = verdicts(store, items, settings.get_list("digest.verdict_flags"))
    entries = [Entry(outlet=outlet_of(i, names), title=display_title(i),
                     date=published_text(i, with_time=False), url=i["url"],
                     summary=html.unescape(summarize(i.get("title") or "", i.get("text") or "", i.get("lead") or "")),
                     notes=_why_item(store, i, findings.get(i["id"]))) for i in items]
    where_when = [[n, outlet_of(i, names), i["url"], published_text(i),
                   format_vn((captures.get(i["id"]) or {}).get("fetched_at")) or "không có bản lưu"]
                  for n, i in enumerate(items, 1)]
    evidence = [[n, (captures.get(i["id"]) or {}).get("sha256") or "không có bản lưu"] for n, i in enumerate(items, 1)]
    severity = vocabulary.text("severities", case.get("severity") or "") or SEVERITIES.get(case.get("severity", ""), "")
    why = [f"Mức độ cần xử lý: {severity}."]
    if case.get("notes"):
        why.append(f"Nhận định của cán bộ theo dõi: {case['notes']}")
    blocks = [
        Paragraph(f"{office.issuer_name(settings, profile)} đề nghị {agency} xem xét, xử lý theo thẩm quyền "
                  f"thông tin sau, đăng tải trên không gian mạng:"),
        Heading("1. Nội dung thông tin"),
        EntryList(entries),
        Heading("2. Nơi đăng tải và thời gian"),
        Table(["STT", "Nguồn", "Đường dẫn", "Thời gian đăng", "Thời điểm lưu bằng chứng"], where_when,
              widths=(1.3, 3.4, 6.4, 2.7, 2.7)),
        Heading("3. Lý do đề nghị xử lý"),
        *[Paragraph(text) for text in why],
        Heading("4. Nội dung đề nghị"),
        Paragraph(case.get("asked") or "Đề nghị xem xét, xử lý theo thẩm quyền và thông tin kết quả."),
        Heading("5. Thời hạn xử lý"),
        Paragraph(f"Đề nghị phản hồi kết quả trước {format_vn(case.get('deadline'))}."
                  if case.get("deadline") else "Đề nghị phản hồi sớm nhất có thể."),
        Heading("6. Đầu mối liên hệ"),
        Paragraph(case.get("contact") or "Bộ phận theo dõi thông tin báo chí của cơ quan gửi phiếu."),
        Heading("7. Bằng chứng kèm theo"),
        Paragraph("Tệp nén bằng chứng kèm theo phiếu này chứa trang gốc lưu tại thời điểm thu thập, nội dung trích "
                  "xuất và lịch sử xử lý; mỗi tin nằm trong thư mục items/<số thứ tự>-<mã tin>. Mã SHA-256 của "
                  "trang gốc tại thời điểm lưu:"),
        Table(["STT", "SHA-256 trang gốc"], evidence, widths=(1.3, 15.2)),
        Paragraph(f"Kiểm tra tính toàn vẹn: \"sha256sum -c {MANIFEST}\" hoặc \"diemtin case verify <tệp zip>\".",
                  italic=True),
    ]
    font_name, font_size = office.font(settings)
    return Document(
        letterhead=office.letterhead(settings, profile, issued_on, "", settings.get("digest.case_symbol")),
        title="PHIẾU CHUYỂN XỬ LÝ THÔNG TIN", subtitle=f"Hồ sơ {case['id']}: {case.get('title', '')}",
        addressee=f"Kính gửi: {agency}", blocks=blocks, signature=office.signature(settings),
        recipients=[f"{agency}", "Lưu: VT"], font_name=font_name, font_size=font_size,
    )


def _why_item(store: Store, item: dict[str, Any], finding: str | None) -> list[str]:
    """Why the office asks about this item, in words an agency uses: what an analyst verified (the item's
    status, a confirmed flag, or the status it had before the case moved it on), and the official rebuttal
    of a known false claim it repeats. A classifier's unconfirmed flag is not a finding."""
    notes = []
    if finding:
        notes.append(f"Cán bộ theo dõi đã xác minh: {finding}")
    notes.extend(rebuttal_note(rebuttal) for rebuttal in known_rebuttals(store, item))
    return notes


def export_case(home: Home, store: Store, case_id: str, out_dir: str | Path,
                now: datetime | None = None, actor: str = "system") -> CaseFile:
    """Write ``<case>-phieu-chuyen-xu-ly.docx`` and ``<case>-bang-chung.zip`` into ``out_dir``; the ZIP's
    checksum list is signed with the office's key (pipeline/reports/evidence.py)."""
    now = now or now_utc()
    case = get_case(store, case_id)
    items = store.get_items(case.get("item_ids") or [])
    captures = {item["id"]: store.get_capture(item["id"]) for item in items}
    issued_on = datetime.fromisoformat(local_day(now)).date()
    docx = render_docx(case_document(home, store, case, items, captures, issued_on))
    files: dict[str, bytes] = {PHIEU: docx, "README.txt": README.encode("utf-8")}
    history = {
        "case": case,
        "audit": store.list_audit("case", case_id),
        "items": [{"id": item["id"], "audit": store.list_audit("item", item["id"])} for item in items],
        "exported_at": iso(now),
    }
    files["case.json"] = json.dumps(history, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    for number, item in enumerate(items, 1):
        folder = f"items/{number:02d}-{item['id']}"
        capture = captures[item["id"]]
        text = f"{item.get('title') or ''}\n\n{item.get('text') or ''}\n"
        files[f"{folder}/text.txt"] = text.encode("utf-8")
        metadata = {
            "id": item["id"], "url": item["url"], "canonical_url": item.get("canonical_url"),
            "title": item.get("title"), "source": item.get("source"), "published_at": item.get("published_at"),
            "captured_at": capture["fetched_at"] if capture else None,
            "capture_url": capture["url"] if capture else None,
            "sha256_at_capture": capture["sha256"] if capture else None,
            "text_sha256": _sha256(files[f"{folder}/text.txt"]),
        }
        if capture:
            files[f"{folder}/raw.html"] = bytes(capture["html"])
        files[f"{folder}/metadata.json"] = json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8")
    files[MANIFEST] = "".join(f"{_sha256(data)}  {name}\n" for name, data in sorted(files.items())).encode("utf-8")
    ensure_office_key(home)
    signer = f"{office.issuer_name(home.settings, home.profile)}, {home.profile.name}"
    files[SIGNATURE] = sign_manifest(load_private_key(home), files[MANIFEST], signer=signer, signed_at=iso(now),
                                     case_id=case_id)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docx_path, zip_path = out / f"{case_id}-{PHIEU}", out / f"{case_id}-bang-chung.zip"
    docx_path.write_bytes(docx)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    zip_path.write_bytes(buffer.getvalue())
    store.audit(actor, "case.export", "case", case_id, after={"zip_sha256": _sha256(buffer.getvalue()),
                                                              "files": len(files), "signed_by": signer})
    return CaseFile(docx=docx_path, zip=zip_path)


def verify_case_zip(path: str | Path, trusted: list[Any] | None = None) -> list[str]:
    """Problems found, one line per file, in Vietnamese; an empty list means the evidence is intact and signed
    (by one of the ``trusted`` public keys when given). See :func:`pipeline.reports.evidence.check_case_zip`."""
    return check_case_zip(path, trusted).problems
