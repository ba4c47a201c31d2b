"""Copy the readers' labels into this folder, each with the title of the VNTC row it labels (a check that the
labels meet the same VNTC file). Standard library only.

    python src/import_relabels.py /work/corpora/vntc_relabel ../../../../shared/data/train/vntc_train.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FILES = ("ctxh_train.jsonl", "doisong_train.jsonl", "test_ctxh_doisong.jsonl")
KEYS = ("vntc_row", "title", "section", "sections_also", "locality", "tone", "clear_cut")


def main(source: str, vntc: str) -> None:
    here = Path(__file__).resolve().parents[1]
    with open(vntc, encoding="utf-8") as fh:
        titles = [json.loads(line).get("title") or "" for line in fh if line.strip()]
    for name in FILES:
        path = Path(source) / name
        if not path.is_file():
            print(f"{name}: not there yet")
            continue
        rows = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["vntc_row"]] = {**row, "title": titles[row["vntc_row"]]}
        with open(here / name, "w", encoding="utf-8") as out:
            for index in sorted(rows):
                out.write(json.dumps({k: rows[index].get(k) for k in KEYS}, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main(*sys.argv[1:3])
