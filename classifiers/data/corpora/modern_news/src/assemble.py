"""Put the writers' files into the splits: ``train.jsonl`` (writers 0-2, 4-6, 8-13, 14-19), ``heldout.jsonl`` (3, 7)
and ``heldout_everyday.jsonl`` (20, 21), checking each row's fields and values and refusing a duplicate title.

    python classifiers/data/corpora/modern_news/src/assemble.py WRITERS_DIR

Only the writers whose file is in WRITERS_DIR are (re)placed: a split keeps the rows of every other writer as they
are, so a new batch of writers joins the corpus without the earlier batches' files (writers 0-13 were assembled
on 2026-12-02, 14-21 on 2026-12-03).
"""

import json
import sys
import unicodedata
from pathlib import Path

FIELDS = ("id", "outlet", "title", "lead", "text", "section", "sections_also", "province", "locality_as_written",
          "tone", "tone_clear_cut")
SPLITS = {"train": (0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19),
          "heldout": (3, 7),
          "heldout_everyday": (20, 21)}


def _writer(row_id: str) -> int:
    return int(row_id.removeprefix("modern_").split("-")[0])


def main(writers: Path) -> None:
    from pipeline.core import vocabulary

    sections = set(vocabulary.codes("sections"))
    here = Path(__file__).resolve().parent.parent
    given = {n for names in SPLITS.values() for n in names if (writers / f"modern_{n}.jsonl").is_file()}
    kept: dict[str, list[str]] = {}
    for split in SPLITS:
        path = here / f"{split}.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        kept[split] = [line for line in lines if line.strip() and _writer(json.loads(line)["id"]) not in given]
    titles = {json.loads(line)["title"].lower().strip() for lines in kept.values() for line in lines}
    for split, numbers in SPLITS.items():
        out = list(kept[split])
        for number in numbers:
            if number not in given:
                continue
            for line in (writers / f"modern_{number}.jsonl").read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                row = {key: row[key] for key in FIELDS}
                for key in ("title", "lead", "text", "outlet", "province", "locality_as_written"):
                    row[key] = unicodedata.normalize("NFC", row[key])
                assert _writer(row["id"]) == number, row["id"]
                assert row["section"] in sections and set(row["sections_also"]) <= sections, row["id"]
                assert row["tone"] in ("positive", "neutral", "negative"), row["id"]
                key = row["title"].lower().strip()
                assert key not in titles, f"duplicate title {row['id']}"
                titles.add(key)
                out.append(json.dumps(row, ensure_ascii=False))
        (here / f"{split}.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
