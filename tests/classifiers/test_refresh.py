"""`diemtin classifier refresh`: analysts' decisions retrain a flag's model, kept only if not worse on held-out rows."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.core.item import content_hash, item_id, url_key
from tests.conftest import json_lines, run_cli


def _small_public_data(folder: Path) -> Path:
    """A few rows in the shape of shared/data/train (VNTC, ViHOS) so the test trains in seconds."""
    folder.mkdir(parents=True)
    news = [{"title": f"Tin thể thao số {n}", "text": f"Đội tuyển thắng trận thứ {n} tại sân Mỹ Đình.", "label": "The thao"}
            for n in range(30)]
    (folder / "vntc_train.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in news) + "\n",
                                             encoding="utf-8")
    (folder / "vihos").mkdir()
    (folder / "vihos" / "train.csv").write_text(",content,index_spans\n0,hay quá bạn ơi,[]\n1,đồ ngu,\"[0, 1]\"\n",
                                                encoding="utf-8")
    return folder


def test_refresh_learns_from_analysts_and_keeps_a_model_only_if_not_worse(home, tmp_path):
    data = _small_public_data(tmp_path / "data")
    url = "https://fb.example/ban-do"
    text = "Bản đồ du lịch ghi quần đảo Kalayaan thuộc Philippines, bao gồm cả đảo Song Tử Tây."
    with home.open_store() as store:
        store.upsert_items([{"id": item_id(url), "url": url, "url_key": url_key(url), "title": "", "text": text,
                             "content_hash": content_hash("", text), "relevant": False, "status": "new"}])
        store.put_record("labels", "l1", {"id": "l1", "item_id": item_id(url), "task": "flag:sovereignty",
                                          "label": "confirmed", "actor": "lan", "at": "2026-11-25T10:00:00Z"})
    out = json_lines(run_cli("classifier", "refresh", "--flag", "sovereignty", "--data", str(data), home=home,
                             timeout=900).stdout)
    record = out[-1]
    assert record["task"] == "flag:sovereignty" and record["comparison"]["analyst_labels"] == 1
    # Compared with the shipped model on the corpus's held-out rows; kept only if not worse.
    assert record["comparison"]["current"] == "shipped" and record["comparison"]["n"] > 200
    assert record["status"] in ("current", "rejected")
    expected = record["comparison"]["candidate_macro_f1"] >= record["comparison"]["current_macro_f1"]
    assert (record["status"] == "current") == expected
    version = home.path / "models" / "flag_sovereignty" / record["version"]
    assert (version / "compact.json").is_file()
    none = json_lines(run_cli("classifier", "refresh", "--flag", "scam", "--data", str(data), home=home).stdout)
    assert none[-1]["version"] is None  # no decision for this flag: nothing is trained
