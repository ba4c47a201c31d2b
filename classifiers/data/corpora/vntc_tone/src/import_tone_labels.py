"""Copy the readers' tone labels of five VNTC folders here, adding each row's VNTC title (so that a different
VNTC file is refused, never silently mislabelled). Labels only: the texts stay in VNTC.

    python classifiers/data/corpora/vntc_tone/src/import_tone_labels.py READERS_DIR VNTC_TRAIN_JSONL
"""

import json
import sys
from pathlib import Path

FILES = ("tone_phapluat_train.jsonl", "tone_kinhdoanh_train.jsonl", "tone_suckhoe_train.jsonl",
         "tone_thethao_train.jsonl", "tone_vanhoa_train.jsonl")
FIELDS = ("vntc_row", "locality", "locality_as_written", "tone", "tone_clear_cut")


def main(readers: Path, vntc: Path) -> None:
    lines = vntc.read_text(encoding="utf-8").splitlines()
    here = Path(__file__).resolve().parent.parent
    for name in FILES:
        out = []
        for line in (readers / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            label = json.loads(line)
            row = {key: label[key] for key in FIELDS}
            row["title"] = (json.loads(lines[label["vntc_row"]]).get("title") or "").strip()
            out.append(json.dumps(row, ensure_ascii=False))
        (here / name).write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
