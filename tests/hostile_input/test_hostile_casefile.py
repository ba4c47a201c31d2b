"""Case files prove origin, not only integrity: signed with the office's Ed25519 key, checked for signature, file
set, safe names and bounded sizes, verifiable with the public key alone on a machine without a home (issue 11,
point 10)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pipeline.office.keys import key_paths
from pipeline.reports.casefile import export_case
from pipeline.reports.evidence import MANIFEST, SIGNATURE, check_case_zip, sign_manifest
from tests.conftest import REPO, run_cli
from tests.reports.conftest import make_home

CASE = "HS-20261124-001"
Change = Callable[[dict[str, bytes]], dict[str, bytes]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("case")
    home, _ = make_home(root / "home")
    with home.open_store() as store:
        files = export_case(home, store, CASE, root / "out")
    public = root / "so-vhttdl.pub"
    run_cli("case", "key", "-o", str(public), home=home)
    return home, files.zip, public, root


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _manifest_of(members: dict[str, bytes]) -> bytes:
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(members.items())
                   if name not in (MANIFEST, SIGNATURE)).encode()


def _recomputed(members: dict[str, bytes]) -> dict[str, bytes]:
    """What a forger does after changing files: recompute SHA256SUMS (and keep the old signature)."""
    return {**members, MANIFEST: _manifest_of(members)}


def _item_folder(members: dict[str, bytes]) -> str:
    return next(name.rsplit("/", 1)[0] for name in members if name.endswith("/raw.html"))


def _edit_case_json(m: dict[str, bytes]) -> dict[str, bytes]:
    history = json.loads(m["case.json"])
    history["case"]["notes"] = "Đã sửa sau khi gửi"
    return _recomputed({**m, "case.json": json.dumps(history, ensure_ascii=False).encode()})


def _edit_text(m: dict[str, bytes]) -> dict[str, bytes]:
    folder = _item_folder(m)
    return _recomputed({**m, f"{folder}/text.txt": b"Noi dung bi sua\n"})


def _forge_raw_everywhere(m: dict[str, bytes]) -> dict[str, bytes]:
    folder = _item_folder(m)
    forged = b"<html><body>trang gia mao</body></html>"
    metadata = json.loads(m[f"{folder}/metadata.json"])
    metadata["sha256_at_capture"] = hashlib.sha256(forged).hexdigest()
    return _recomputed({**m, f"{folder}/raw.html": forged,
                        f"{folder}/metadata.json": json.dumps(metadata).encode()})


def _drop_folder_and_lines(m: dict[str, bytes]) -> dict[str, bytes]:
    folder = _item_folder(m)
    return _recomputed({k: v for k, v in m.items() if not k.startswith(folder)})


def _drop_folder_only(m: dict[str, bytes]) -> dict[str, bytes]:
    folder = _item_folder(m)
    return {k: v for k, v in m.items() if not k.startswith(folder)}


def _empty_manifest(m: dict[str, bytes]) -> dict[str, bytes]:
    return {**m, MANIFEST: b""}


def _traversal_entry(m: dict[str, bytes]) -> dict[str, bytes]:
    return _recomputed({**m, "../../../tmp/evil.sh": b"#!/bin/sh\nrm -rf ~\n"})


def _absolute_entry(m: dict[str, bytes]) -> dict[str, bytes]:
    return {**m, "/tmp/evil.sh": b"#!/bin/sh\n"}


def _backslash_entry(m: dict[str, bytes]) -> dict[str, bytes]:
    return {**m, "..\\..\\evil.bat": b"del *"}


def _unsigned(m: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in m.items() if k != SIGNATURE}


def _resigned_by_another_key(m: dict[str, bytes]) -> dict[str, bytes]:
    changed = _edit_case_json(m)
    signature = sign_manifest(Ed25519PrivateKey.generate(), changed[MANIFEST], signer="Sở VH-TT-DL, Thái Nguyên",
                              signed_at="2026-11-25T02:00:00Z", case_id=CASE)
    return {**changed, SIGNATURE: signature}


def _extra_file(m: dict[str, bytes]) -> dict[str, bytes]:
    return {**m, "ghi-chu.txt": b"them vao sau"}


TAMPERING: dict[str, tuple[Change, str]] = {
    "case.json edited, SHA256SUMS recomputed": (_edit_case_json, "chữ ký không khớp"),
    "text.txt edited, SHA256SUMS recomputed": (_edit_text, "chữ ký không khớp"),
    "raw.html forged with its capture checksum": (_forge_raw_everywhere, "chữ ký không khớp"),
    "item folder dropped with its lines": (_drop_folder_and_lines, "chữ ký không khớp"),
    "item folder dropped": (_drop_folder_only, "thiếu tệp"),
    "empty SHA256SUMS": (_empty_manifest, "rỗng"),
    "../../../tmp/evil.sh": (_traversal_entry, "không an toàn"),
    "/tmp/evil.sh": (_absolute_entry, "không an toàn"),
    "..\\..\\evil.bat": (_backslash_entry, "không an toàn"),
    "signature removed": (_unsigned, "thiếu chữ ký"),
    "re-signed by another key": (_resigned_by_another_key, "không phải khóa công khai"),
    "file added": (_extra_file, "tệp không có trong SHA256SUMS"),
}


def test_a_case_file_verifies_with_the_public_key_alone_and_says_who_signed_when(exported, tmp_path: Path):
    home, archive, public, _ = exported
    bare = tmp_path / "no-home-here"
    bare.mkdir()
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "case", "verify", "--public-key", str(public),
                             str(archive)], capture_output=True, text=True, cwd=bare,
                            env={**os.environ, "DIEMTIN_HOME": str(bare / "var"), "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert "Người ký: Sở Văn hóa, Thể thao và Du lịch, Thái Nguyên" in result.stdout
    assert "Thời điểm ký:" in result.stdout and "chữ ký hợp lệ" in result.stdout
    assert stat.S_IMODE(key_paths(home)[0].stat().st_mode) == 0o600
    assert b"PRIVATE" not in public.read_bytes()


def test_verifying_without_any_trusted_key_is_refused(exported, tmp_path: Path):
    _, archive, _, _ = exported
    result = run_cli("case", "verify", str(archive), home=tmp_path / "nowhere", check=False)
    assert result.returncode == 2 and "--public-key" in result.stderr


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampered_case_files_fail(exported, tmp_path: Path, kind: str):
    _, archive, public, _ = exported
    change, expected = TAMPERING[kind]
    tampered = _write(tmp_path / "tampered.zip", change(_members(archive)))
    result = run_cli("case", "verify", "--public-key", str(public), str(tampered), check=False)
    assert result.returncode == 1, result.stdout
    assert expected in result.stderr, result.stderr
    assert "KHÔNG" in result.stderr


def test_duplicate_names_and_links_are_refused(exported, tmp_path: Path):
    _, archive, public, _ = exported
    members = _members(archive)
    path = tmp_path / "dup.zip"
    with zipfile.ZipFile(path, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.writestr("case.json", b"{}")
        link = zipfile.ZipInfo("items/99-link/raw.html")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        out.writestr(link, "/etc/passwd")
    problems = " | ".join(check_case_zip(path).problems)
    assert "trùng tên" in problems and "liên kết" in problems


@pytest.mark.slow
def test_a_2_gb_entry_is_refused_without_reading_it(exported, tmp_path: Path):
    _, archive, public, _ = exported
    bomb = tmp_path / "bomb.zip"
    members = _members(archive)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in members.items():
            out.writestr(name, data)
        folder = _item_folder(members)
        with out.open(zipfile.ZipInfo(f"{folder}/zeros.html"), "w", force_zip64=True) as handle:
            chunk = bytes(16 * 1024 * 1024)
            for _ in range(128):  # 2 GiB of zeros, ~2 MB compressed
                handle.write(chunk)
    # VmHWM, the peak of this process image (ru_maxrss would count the forking test process's size too).
    code = ("import re, sys; from pipeline.reports.evidence import check_case_zip; "
            "r = check_case_zip(sys.argv[1]); "
            "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
            "print(' | '.join(r.problems))")
    result = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, cwd=REPO,
                            timeout=120)
    peak_kb, problems = result.stdout.splitlines()[:2]
    assert "quá lớn" in problems
    assert int(peak_kb) < 400 * 1024  # far from the 4.1 GB it took
