"""Registry and knowledge-base imports as careless exports make them: a broken CSV line costs that line (never a
traceback, never the next row), a claims import writes all of its rows or none, and "false" means false (issue
11, point 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.home import Home
from pipeline.core.store.base import Store
from pipeline.office.claims import ClaimError, import_claims
from tests.conftest import json_lines, run_cli

HEADER = b"name,homepage,kind,language,rss_urls,sitemap_url,notes,evidence\n"


def _row(name: str, notes: str = "") -> bytes:
    slug = name.lower().replace(" ", "-")
    return f"{name},https://{slug}.vn,national_press,vi,https://{slug}.vn/rss,,{notes},\n".encode()


BROKEN_LINES = {
    "invalid UTF-8": b"Bao \xff\xfe Loi,https://loi.vn,national_press,vi,https://loi.vn/rss,,,\n",
    "200 kB field": _row("Bao Dai", notes="x" * 200_000),
    "unbalanced quote": b'Bao Ngoac,https://ngoac.vn,national_press,vi,"https://ngoac.vn/rss,,,\n',
    "too many fields": b"Bao Thua,https://thua.vn,national_press,vi,https://thua.vn/rss,,,,,extra\n",
}


@pytest.mark.parametrize("kind", list(BROKEN_LINES))
def test_a_broken_registry_line_costs_that_line_only(home: Home, tmp_path: Path, kind: str):
    path = tmp_path / "nguon.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER + _row("Bao Truoc") + BROKEN_LINES[kind] + _row("Bao Sau")
                     + _row("Bao Cuoi"))
    result = run_cli("sources", "import", str(path), home=home, check=False)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    summary = json_lines(result.stdout)[-1]
    assert sorted(summary["added_ids"]) == ["bao-cuoi", "bao-sau", "bao-truoc"]
    assert [e["line"] for e in summary["errors"]] == [3]
    assert f"{path}:3:" in result.stderr


def test_the_shipped_registry_still_imports_whole(home: Home):
    result = json_lines(run_cli("sources", "import", "/work/shared/data/sources.csv", home=home).stdout)[-1] \
        if Path("/work/shared/data/sources.csv").is_file() else None
    if result is None:
        pytest.skip("shared registry not present")
    assert result["added"] + result["kept"] >= 45


def _claims(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_claims_import_writes_all_its_rows_or_none(home: Home, tmp_path: Path):
    with home.open_store() as store:
        before = {c["id"]: c for c in store.list_records("claims")}
    path = _claims(tmp_path / "c.jsonl", [
        '{"claim": "Tin đồn một về Thái Nguyên", "rebuttal": "Không đúng"}',
        '{"claim": "Tin đồn hai về Thái Nguyên", "rebuttal": "Không đúng"}',
        '{"claim": "Tin đồn ba", "rebuttal": "Không đúng", "active": "có lẽ"}',
    ])
    result = run_cli("claims", "import", str(path), home=home, check=False)
    assert result.returncode == 2 and "dòng 3" in result.stderr
    with home.open_store() as store:
        assert {c["id"]: c for c in store.list_records("claims")} == before


def test_a_claims_import_that_fails_while_writing_puts_everything_back(home: Home, tmp_path: Path, monkeypatch):
    path = _claims(tmp_path / "c.jsonl", [
        '{"claim": "Tin đồn một về Thái Nguyên", "rebuttal": "Không đúng"}',
        '{"claim": "Tin đồn hai về Thái Nguyên", "rebuttal": "Không đúng"}',
        '{"claim": "Tin đồn ba về Thái Nguyên", "rebuttal": "Không đúng"}',
    ])
    with home.open_store() as store:
        before = {c["id"]: c for c in store.list_records("claims")}
        original = Store.put_record
        calls = {"n": 0}

        def fails_on_third(self, collection, record_id, doc):
            if collection == "claims":
                calls["n"] += 1
                if calls["n"] == 3:
                    raise OSError("disk full")
            return original(self, collection, record_id, doc)

        monkeypatch.setattr(type(store), "put_record", fails_on_third)
        with pytest.raises(ClaimError, match="không có nhận định nào được ghi"):
            import_claims(store, path, "cli:test")
        monkeypatch.undo()
        assert {c["id"]: c for c in store.list_records("claims")} == before


@pytest.mark.parametrize(("written", "stored"), [('"false"', False), ('"False"', False), ("false", False), ('"0"', False),
                                                 ('"không"', False), ('"true"', True), ("true", True), ("1", True)])
def test_active_false_written_as_text_is_stored_as_false(home: Home, tmp_path: Path, written: str, stored: bool):
    path = _claims(tmp_path / "c.jsonl",
                   [f'{{"claim": "Tin đồn có cờ {written.strip(chr(34))}", "rebuttal": "Không đúng", "active": {written}}}'])
    [claim_id] = json_lines(run_cli("claims", "import", str(path), home=home).stdout)[-1]["ids"]
    with home.open_store() as store:
        assert store.get_record("claims", claim_id)["active"] is stored
