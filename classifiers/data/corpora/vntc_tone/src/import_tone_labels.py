"""Copy the readers' tone labels here, adding each row's VNTC title (so that a different VNTC file is refused,
never silently mislabelled). Labels only: the texts stay in VNTC.

    python classifiers/data/corpora/vntc_tone/src/import_tone_labels.py READERS_DIR VNTC_TRAIN_JSONL

The first wave's five files are copied as they are. The second wave's files (``tone_w2_*.jsonl``, rows of any
folder) are sorted by VNTC split into ``tone_test_split.jsonl`` and ``tone_khoahoc_thegioi_vitinh_train.jsonl``;
an article of the held-out ``corpora/real_items`` (by row or by title) is refused.
"""

import json
import sys
from pathlib import Path

FILES = ("tone_phapluat_train.jsonl", "tone_kinhdoanh_train.jsonl", "tone_suckhoe_train.jsonl",
         "tone_thethao_train.jsonl", "tone_vanhoa_train.jsonl")
WAVE2 = ("tone_w2_0.jsonl", "tone_w2_1.jsonl", "tone_w2_2.jsonl", "tone_w2_3.jsonl")
FIELDS = ("vntc_row", "locality", "locality_as_written", "tone", "tone_clear_cut")


def main(readers: Path, vntc: Path) -> None:
    from classifiers.training.tone_data import title_key
    from classifiers.training.topic_data import vntc_split

    lines = vntc.read_text(encoding="utf-8").splitlines()
    here = Path(__file__).resolve().parent.parent
    held = [json.loads(line) for line in (here.parent / "real_items" / "heldout.jsonl").open(encoding="utf-8")]
    held_rows = {h["vntc_row"] for h in held}
    held_titles = {title_key(json.loads(lines[k]).get("title") or "") for k in held_rows}
    test_rows = {r["vntc_row"] for r in vntc_split(vntc, readers=False)[1]}

    def row_of(label: dict) -> str:
        row = {key: label[key] for key in FIELDS}
        row["title"] = (json.loads(lines[label["vntc_row"]]).get("title") or "").strip()
        if label["vntc_row"] in held_rows or title_key(row["title"]) in held_titles:
            raise ValueError(f"row {label['vntc_row']} is an article of corpora/real_items (held out)")
        return json.dumps(row, ensure_ascii=False)

    def labels(name: str) -> list[dict]:
        text = (readers / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    for name in FILES:
        (here / name).write_text("\n".join(row_of(label) for label in labels(name)) + "\n", encoding="utf-8")
    wave2 = sorted((label for name in WAVE2 for label in labels(name)), key=lambda label: label["vntc_row"])
    for name, in_test in (("tone_test_split.jsonl", True), ("tone_khoahoc_thegioi_vitinh_train.jsonl", False)):
        rows = [row_of(label) for label in wave2 if (label["vntc_row"] in test_rows) == in_test]
        (here / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
