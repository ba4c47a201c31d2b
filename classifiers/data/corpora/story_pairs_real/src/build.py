"""Build ``items.jsonl`` and ``pairs.jsonl`` of story_pairs_real from the hand-written rewrites (``rewrites_*.yaml``)
and the real articles they retell (VNTC, 20% test split of ``classifiers.training.topic_data.vntc_split``).

    python classifiers/data/corpora/story_pairs_real/src/build.py

Deterministic: the same VNTC file gives the same rows. Publication times are assigned (VNTC has none): a group's
events are spread over one week so that different events of one group fall within three days of each other (the
hard case), and each rewrite follows its article by a few hours.
"""

from __future__ import annotations

import itertools
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FOLDER = HERE.parent
sys.path.insert(0, str(FOLDER.parents[3]))

from classifiers.training.topic_data import shared_train_dir, vntc_split  # noqa: E402

START = datetime(2026, 11, 23, 6, 0, tzinfo=timezone(timedelta(hours=7)))
WEEK_HOURS = 6 * 24
WINDOW_HOURS = 72


def main() -> None:
    _, test = vntc_split(shared_train_dir() / "vntc_train.jsonl")
    entries = []
    for path in sorted(HERE.glob("rewrites_*.yaml")):
        entries.extend(yaml.safe_load(path.read_text(encoding="utf-8")))
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        groups.setdefault(entry["group"], []).append(entry)
    items = []
    for g, (group, events) in enumerate(sorted(groups.items())):
        step = WEEK_HOURS / len(events)
        for j, entry in enumerate(events):
            row = test[entry["vntc"]]
            story = f"vntc-test-{entry['vntc']}"
            t0 = START + timedelta(hours=j * step + (g * 5) % 11)
            items.append({"id": f"{story}-0", "story_id": story, "group": group, "kind": "original",
                          "outlet": f"VNTC ({row['vntc']})", "published_at": t0.isoformat(),
                          "title": row["title"], "lead": "", "text": row["text"],
                          "source": f"VNTC test split #{entry['vntc']}, MIT"})
            for k, rewrite in enumerate(entry["rewrites"], start=1):
                moment = t0 + timedelta(hours=2 + 6 * (k - 1) + entry["vntc"] % 7)
                items.append({"id": f"{story}-{k}", "story_id": story, "group": group, "kind": "rewrite",
                              "outlet": rewrite["outlet"], "published_at": moment.isoformat(),
                              "title": rewrite["title"].strip(), "lead": rewrite["lead"].strip(),
                              "text": f"{rewrite['lead'].strip()}\n\n{rewrite['text'].strip()}",
                              "source": "rewrite written 2026-12-02 for Điểm tin (synthetic)"})
    items.sort(key=lambda i: (i["published_at"], i["id"]))
    pairs = []
    for a, b in itertools.combinations(items, 2):
        hours = abs((datetime.fromisoformat(a["published_at"]) - datetime.fromisoformat(b["published_at"]))
                    .total_seconds()) / 3600
        if a["story_id"] == b["story_id"]:
            pairs.append({"a": a["id"], "b": b["id"], "same_story": True,
                          "reason": "rewrite" if "original" in (a["kind"], b["kind"]) else "two_rewrites",
                          "group": a["group"], "hours_apart": round(hours, 1)})
        elif a["group"] == b["group"] and hours <= WINDOW_HOURS:
            pairs.append({"a": a["id"], "b": b["id"], "same_story": False, "reason": "same_kind_other_event",
                          "group": a["group"], "hours_apart": round(hours, 1)})
    for name, rows in (("items.jsonl", items), ("pairs.jsonl", pairs)):
        with open(FOLDER / name, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    same = sum(p["same_story"] for p in pairs)
    print(f"{len(items)} items ({sum(i['kind'] == 'rewrite' for i in items)} rewrites), {len(pairs)} pairs "
          f"({same} same story, {len(pairs) - same} same kind, other event)")


if __name__ == "__main__":
    main()
