"""Signing and checking the evidence ZIP of a case file.

The ZIP's ``SHA256SUMS`` lists every file's checksum (``sha256sum -c`` reads it); ``SIGNATURE.json`` carries an
Ed25519 signature, by the office's key (pipeline/office/keys.py), over that list together with who signed, when,
and for which case. Checking a file (:func:`check_case_zip`) therefore proves both that nothing was changed,
added or removed since it was signed, and who signed it, provided the verifier trusts the public key it is given
(the office's own, or the one an agency received from it) rather than the one inside the ZIP.

A ZIP is hostile input: names are checked before anything is read (no absolute paths, no "..", no links, only
the layout a case file has), sizes are bounded before anything is decompressed, and files are hashed as they
stream, so a 2 GB entry costs neither 2 GB of memory nor the time to inflate it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pipeline.office.keys import SigningKeyError, fingerprint, load_public_key, raw_public, verify_signature

MANIFEST = "SHA256SUMS"
SIGNATURE = "SIGNATURE.json"
SIGNATURE_CONTEXT = b"diemtin-case-file-v1\n"
# Bounds of what a case file may hold: raw pages are under 10 MB (crawl.max_page_bytes), the phiếu a few MB.
MAX_ENTRIES = 5000
MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
_CHUNK = 1024 * 1024
_ITEM_FILE = re.compile(r"^items/(\d{2,4})-([A-Za-z0-9._-]{1,100})/(raw\.html|text\.txt|metadata\.json)$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}(/[A-Za-z0-9][A-Za-z0-9._-]{0,120}){0,3}$")
_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")


@dataclass
class Verification:
    """What checking a case file found: ``problems`` (Vietnamese, one per line; empty when intact and signed by
    the trusted key), and who signed it and when, as the signature says."""

    problems: list[str] = field(default_factory=list)
    signer: str = ""
    signed_at: str = ""
    case_id: str = ""
    key_fingerprint: str = ""
    trusted_key: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def signed_message(statement: dict[str, Any], manifest: bytes) -> bytes:
    body = json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return SIGNATURE_CONTEXT + body + b"\n" + manifest


def sign_manifest(key: Ed25519PrivateKey, manifest: bytes, *, signer: str, signed_at: str, case_id: str) -> bytes:
    """SIGNATURE.json for a manifest: the statement (signer, time, case, key) and the signature over it and the
    manifest's exact bytes."""
    public = key.public_key()
    statement = {"algorithm": "Ed25519", "signed_file": MANIFEST, "signer": signer, "signed_at": signed_at,
                 "case_id": case_id, "public_key": base64.b64encode(raw_public(public)).decode("ascii"),
                 "key_fingerprint": fingerprint(public)}
    signature = key.sign(signed_message(statement, manifest))
    return json.dumps({**statement, "signature": base64.b64encode(signature).decode("ascii")},
                      ensure_ascii=False, indent=2).encode("utf-8")


def _sha256_of(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    read = 0
    with archive.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            read += len(chunk)
            if read > MAX_ENTRY_BYTES:
                raise ValueError("quá lớn")
            digest.update(chunk)
    return digest.hexdigest()


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise ValueError(f"quá lớn ({info.file_size} byte)")
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError("quá lớn")
    return data


def _entry_problems(infos: list[zipfile.ZipInfo]) -> tuple[dict[str, zipfile.ZipInfo], list[str]]:
    """Entries by name and what is wrong with the set, before anything is decompressed."""
    problems: list[str] = []
    entries: dict[str, zipfile.ZipInfo] = {}
    if len(infos) > MAX_ENTRIES:
        return {}, [f"tệp nén có {len(infos)} mục, quá giới hạn {MAX_ENTRIES}"]
    total = 0
    for info in infos:
        name = info.filename
        shown = ascii(name)[1:-1]
        if info.is_dir():
            problems.append(f"{shown}: thư mục không thuộc hồ sơ")
            continue
        if not _SAFE_NAME.match(name) or ".." in name.split("/"):
            problems.append(f"{shown}: tên tệp không an toàn (đường dẫn tuyệt đối, '..' hoặc ký tự lạ)")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            problems.append(f"{name}: liên kết tượng trưng không được phép")
            continue
        if name in entries:
            problems.append(f"{name}: trùng tên trong tệp nén")
            continue
        if info.file_size > MAX_ENTRY_BYTES:
            problems.append(f"{name}: quá lớn ({info.file_size} byte, tối đa {MAX_ENTRY_BYTES})")
            continue
        total += info.file_size
        entries[name] = info
    if total > MAX_TOTAL_BYTES:
        problems.append(f"tổng dung lượng {total} byte vượt giới hạn {MAX_TOTAL_BYTES}")
    return entries, problems


def _manifest(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo],
              problems: list[str]) -> tuple[bytes, dict[str, str]]:
    if MANIFEST not in entries:
        problems.append(f"{MANIFEST}: thiếu bảng mã kiểm tra")
        return b"", {}
    try:
        data = _read_small(archive, entries[MANIFEST], MAX_MANIFEST_BYTES)
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        problems.append(f"{MANIFEST}: không đọc được ({exc})")
        return b"", {}
    listed: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        found = _MANIFEST_LINE.match(line)
        if not found:
            problems.append(f"{MANIFEST}, dòng {number}: không đúng dạng 'SHA256  tên tệp'")
            continue
        digest, name = found.groups()
        if not _SAFE_NAME.match(name) or ".." in name.split("/"):
            problems.append(f"{MANIFEST}: tên tệp không an toàn {ascii(name)}")
            continue
        if name in listed:
            problems.append(f"{MANIFEST}: {name} được liệt kê hai lần")
        listed[name] = digest
    if not listed:
        problems.append(f"{MANIFEST}: bảng mã kiểm tra rỗng")
    return data, listed


def _signature(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], manifest: bytes,
               trusted: list[Ed25519PublicKey] | None, result: Verification) -> None:
    if SIGNATURE not in entries:
        result.problems.append(f"{SIGNATURE}: thiếu chữ ký của cơ quan gửi (không xác minh được nguồn gốc)")
        return
    try:
        body = json.loads(_read_small(archive, entries[SIGNATURE], 64 * 1024))
        statement = {key: body[key] for key in ("algorithm", "signed_file", "signer", "signed_at", "case_id",
                                                 "public_key", "key_fingerprint")}
        signature = base64.b64decode(body["signature"], validate=True)
        embedded = load_public_key(statement["public_key"])
    except (ValueError, KeyError, TypeError, SigningKeyError, zipfile.BadZipFile, OSError) as exc:
        result.problems.append(f"{SIGNATURE}: không đọc được chữ ký ({exc})")
        return
    result.signer, result.signed_at = str(statement["signer"]), str(statement["signed_at"])
    result.case_id, result.key_fingerprint = str(statement["case_id"]), fingerprint(embedded)
    if statement["algorithm"] != "Ed25519" or statement["signed_file"] != MANIFEST:
        result.problems.append(f"{SIGNATURE}: thuật toán hoặc tệp được ký không đúng")
        return
    if not verify_signature(embedded, signature, signed_message(statement, manifest)):
        result.problems.append(f"{SIGNATURE}: chữ ký không khớp với {MANIFEST} (hồ sơ đã bị sửa sau khi ký)")
        return
    if trusted is not None:
        if any(raw_public(key) == raw_public(embedded) for key in trusted):
            result.trusted_key = True
        else:
            expected = ", ".join(fingerprint(key) for key in trusted)
            result.problems.append(f"{SIGNATURE}: ký bằng khóa {fingerprint(embedded)}, không phải khóa công khai "
                                   f"được tin cậy ({expected})")


def _layout(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], listed: dict[str, str],
            problems: list[str]) -> None:
    """The files a case file must have: the phiếu, the README, case.json, and for every item case.json lists a
    folder with its text and metadata (and the raw page when a capture was recorded)."""
    for required in ("case.json", "README.txt", "phieu-chuyen-xu-ly.docx"):
        if required not in listed:
            problems.append(f"{required}: không có trong {MANIFEST}")
    if "case.json" not in entries or "case.json" not in listed:
        return
    try:
        history = json.loads(_read_small(archive, entries["case.json"], MAX_ENTRY_BYTES))
        item_ids = [str(entry["id"]) for entry in history.get("items") or []]
    except (ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile, OSError):
        problems.append("case.json: không đọc được danh sách tin")
        return
    folders: dict[str, str] = {}
    for name in listed:
        found = _ITEM_FILE.match(name)
        if found:
            folders.setdefault(found.group(2), f"items/{found.group(1)}-{found.group(2)}")
    for item_id in item_ids:
        folder = folders.get(item_id)
        if folder is None:
            problems.append(f"items/…-{item_id}: thư mục của tin trong hồ sơ bị thiếu")
            continue
        for part in ("text.txt", "metadata.json"):
            if f"{folder}/{part}" not in listed:
                problems.append(f"{folder}/{part}: không có trong {MANIFEST}")
    for item_id, folder in folders.items():
        if item_id not in item_ids:
            problems.append(f"{folder}: tin không có trong case.json")


def check_case_zip(path: str | Path, trusted: list[Ed25519PublicKey] | None = None) -> Verification:
    """Check a case file's evidence ZIP. With ``trusted`` keys the signature must also be made by one of them;
    without, only by the key the file itself names (integrity, not origin)."""
    result = Verification()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        result.problems.append(f"{path}: không đọc được tệp nén ({exc})")
        return result
    with archive:
        entries, problems = _entry_problems(archive.infolist())
        result.problems.extend(problems)
        manifest, listed = _manifest(archive, entries, result.problems)
        _signature(archive, entries, manifest, trusted, result)
        digests: dict[str, str] = {}
        for name, digest in sorted(listed.items()):
            if name not in entries:
                result.problems.append(f"{name}: thiếu tệp")
                continue
            try:
                actual = digests[name] = _sha256_of(archive, entries[name])
            except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
                result.problems.append(f"{name}: không đọc được ({exc})")
                continue
            if actual != digest:
                result.problems.append(f"{name}: nội dung đã bị thay đổi (SHA-256 không khớp)")
        result.problems.extend(f"{name}: tệp không có trong {MANIFEST}"
                               for name in sorted(set(entries) - set(listed) - {MANIFEST, SIGNATURE}))
        _layout(archive, entries, listed, result.problems)
        for name in sorted(n for n in listed if n.endswith("/metadata.json") and n in entries):
            raw_name = name.rsplit("/", 1)[0] + "/raw.html"
            try:
                recorded = json.loads(_read_small(archive, entries[name], 1024 * 1024)).get("sha256_at_capture")
            except (ValueError, AttributeError, zipfile.BadZipFile, OSError):
                result.problems.append(f"{name}: không đọc được")
                continue
            if recorded and raw_name not in entries:
                result.problems.append(f"{raw_name}: thiếu trang gốc đã lưu khi thu thập")
            elif recorded and raw_name in digests and digests[raw_name] != recorded:
                result.problems.append(f"{raw_name}: khác với trang gốc lưu khi thu thập (SHA-256 không khớp)")
    return result
