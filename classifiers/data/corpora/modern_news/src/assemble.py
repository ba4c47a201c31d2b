"""Assemble the writers' files into ``train.jsonl`` (writers 0-2, 4-6, 8-13) and ``heldout.jsonl`` (3, 7), checking
each row's fields and values and refusing a duplicate title.

    python classifiers/data/corpora/modern_news/src/assemble.py WRITERS_DIR
"""

import json
import sys
import unicodedata
from pathlib import Path

FIELDS = ("id", "outlet", "title", "lead", "text", "section", "sections_also", "province", "locality_as_written",
          "tone", "tone_clear_cut")
SPLITS = {"train": tuple(f"modern_{n}.jsonl" for n in (0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13)),
          "heldout": ("modern_3.jsonl", "modern_7.jsonl")}


def main(writers: Path) -> None:
    from pipeline.core import vocabulary

    sections = set(vocabulary.codes("sections"))
    here = Path(__file__).resolve().parent.parent
    titles: set[str] = set()
    for split, names in SPLITS.items():
        out = []
        for name in names:
            for line in (writers / name).read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                row = {key: row[key] for key in FIELDS}
                for key in ("title", "lead", "text", "outlet", "province", "locality_as_written"):
                    row[key] = unicodedata.normalize("NFC", row[key])
                assert row["section"] in sections and set(row["sections_also"]) <= sections, row["id"]
                assert row["tone"] in ("positive", "neutral", "negative"), row["id"]
                key = row["title"].lower().strip()
                assert key not in titles, f"duplicate title {row['id']}"
                titles.add(key)
                out.append(json.dumps(row, ensure_ascii=False))
        (here / f"{split}.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
