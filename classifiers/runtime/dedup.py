"""Near-duplicates: syndicated copies and re-posts with small edits, found with MinHash LSH.

Measured on planted copies with 3% and 10% of words changed: MinHash LSH on 3-word shingles at threshold 0.3
found 250/250 and 249/250 (simhash 31/250 and 0/250). Words are folded, so a copy that lost its diacritics or
changed tone-mark style is still a copy.

A template is not a copy: "Xe tải lật trên QL31 ở xã A, 2 người bị thương" and the same sentence of xã B with 3 people
share most shingles and are two events. So below ``EXACT_ENOUGH`` a candidate is a copy only when the
specifics of the two titles and leads (places of the province they name, numbers) agree, at least half of the
fewer of them in common.

The LSH must know items from earlier batches and earlier runs: each batch's signatures are kept in the
store as one "state" record (kind "minhash_batch"), and the index is rebuilt from the records of the last
``near_duplicate_days`` (of processing) when the stage starts. A copy's ``duplicate_of`` is the earliest item of its group.
"""

from __future__ import annotations

import base64
import re
import zlib
from datetime import timedelta
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.text import fold, words
from pipeline.core.timeutil import iso, now_utc

STATE_KIND = "minhash_batch"
SHINGLE = 3
# Shingle overlap from which a candidate is a copy whatever its specifics say.
EXACT_ENOUGH = 0.85
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
FAR_FUTURE = "9999-12-31T00:00:00Z"


def shingles(title: str, text: str) -> set[bytes]:
    tokens = words(fold(f"{title}\n{text}"))
    return {" ".join(tokens[i:i + SHINGLE]).encode("utf-8") for i in range(max(0, len(tokens) - SHINGLE + 1))}


def specifics(item: dict[str, Any]) -> frozenset[str]:
    """Places of the province named in the title or lead, and the numbers there (years left out)."""
    text = item.get("text") or ""
    cut = text.find("\n")
    lead_end = len(text) if cut < 0 else min(cut, 600)
    head = f"{item.get('title') or ''}\n{text[:lead_end]}"
    numbers = {n for n in _NUMBER.findall(head) if not (len(n) == 4 and n[:2] in ("19", "20"))}
    places = {fold(p.get("name") or "") for p in item.get("places") or []
              if p.get("name") and p.get("kind") != "province"
              and (p.get("field") == "title" or int(p.get("start") or 0) < lead_end)}
    return frozenset(numbers | {f"@{p}" for p in places})


def _agree(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    if not a or not b:
        return True
    return len(a & b) >= 0.5 * min(len(a), len(b))


def _encode(hashvalues: np.ndarray) -> str:
    return base64.b64encode(np.asarray(hashvalues, dtype=np.uint32).tobytes()).decode("ascii")


def _decode(blob: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(blob), dtype=np.uint32).astype(np.uint64)


class NearDuplicates:
    def __init__(self, threshold: float, num_perm: int, min_words: int, days: int):
        self.threshold = threshold
        self.num_perm = num_perm
        self.min_words = min_words
        self.days = days
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        # One set of permutations for every signature (drawing them is most of a MinHash's cost), and a
        # stable 32-bit hash: signatures are kept across runs, so Python's salted hash() cannot be used.
        self._template = MinHash(num_perm=num_perm, hashfunc=zlib.crc32)
        self._signatures: dict[str, MinHash] = {}
        # item id -> (published_at, the earliest item it copies or itself)
        self._known: dict[str, tuple[str, str]] = {}
        self._specifics: dict[str, frozenset[str]] = {}
        self._loaded = False

    @classmethod
    def from_settings(cls, settings: Settings) -> NearDuplicates:
        return cls(settings.get_float("classifiers.near_duplicate_threshold"),
                   settings.get_int("classifiers.near_duplicate_num_perm"),
                   settings.get_int("classifiers.near_duplicate_min_words"),
                   settings.get_int("classifiers.near_duplicate_days"))

    def _load(self, store: Store) -> None:
        """Rebuild the index from the kept signatures; drop records past the window and merge each earlier
        day's records into one, so a scheduler writing a record per small batch does not pile them up. Done
        at the first batch, not at construction: building the stages never writes to the store."""
        self._loaded = True
        horizon = iso(now_utc() - timedelta(days=self.days))
        today = iso(now_utc())[:10]
        by_day: dict[str, list[dict[str, Any]]] = {}
        for record in store.list_records("state", where={"kind": STATE_KIND}, order_by="created_at"):
            if (record.get("created_at") or "") < horizon:
                store.delete_record("state", record["id"])
                continue
            by_day.setdefault(record["created_at"][:10], []).append(record)
            for entry in record.get("entries", []):
                self._remember(entry["id"], entry["at"], entry.get("root") or entry["id"],
                               self._new(_decode(entry["hv"])), frozenset(entry.get("sp") or ()) or None)
        for day, records in by_day.items():
            if day < today and len(records) > 1:
                entries = list({e["id"]: e for r in records for e in r.get("entries", [])}.values())
                for record in records:
                    store.delete_record("state", record["id"])
                self._write(store, entries, created_at=records[-1]["created_at"])

    def _remember(self, item_id: str, at: str, root: str, signature: MinHash,
                  marks: frozenset[str] | None = None) -> None:
        if item_id in self._signatures:
            self.lsh.remove(item_id)
        self.lsh.insert(item_id, signature)
        self._signatures[item_id] = signature
        self._known[item_id] = (at, root)
        if marks:
            self._specifics[item_id] = marks

    def signature(self, item: dict[str, Any]) -> MinHash | None:
        values = shingles(item.get("title") or "", item.get("text") or "")
        if len(values) < max(1, self.min_words - SHINGLE + 1):
            return None
        signature = self._new()
        signature.update_batch(list(values))
        return signature

    def _new(self, hashvalues: np.ndarray | None = None) -> MinHash:
        t = self._template
        return MinHash(num_perm=self.num_perm, hashfunc=zlib.crc32, permutations=t.permutations, scheme=t.scheme,
                       hashvalues=hashvalues)

    def __call__(self, items: list[dict[str, Any]], store: Store) -> None:
        """Set ``duplicate_of`` on copies among relevant, not-yet-duplicate items; remember the rest."""
        if not self._loaded:
            self._load(store)
        entries = []
        todo = [i for i in items if i.get("relevant") is not False and not i.get("duplicate_of")]
        for item in sorted(todo, key=lambda i: (i.get("published_at") or FAR_FUTURE, i["id"])):
            signature = self.signature(item)
            if signature is None:
                continue
            at = item.get("published_at") or item.get("fetched_at") or FAR_FUTURE
            root = item["id"]
            marks = specifics(item)
            best: tuple[str, str] | None = None
            for other in self.lsh.query(signature):
                if other == item["id"]:
                    continue
                similarity = signature.jaccard(self._signatures[other])
                if similarity < self.threshold or (similarity < EXACT_ENOUGH
                                                   and not _agree(marks, self._specifics.get(other))):
                    continue
                other_at, other_root = self._known[other]
                root_at = self._known.get(other_root, (other_at, other_root))[0]
                candidate = (root_at, other_root)
                if candidate[1] != item["id"] and (best is None or candidate < best):
                    best = candidate
            if best is not None and best <= (at, item["id"]):
                root = best[1]
                item["duplicate_of"] = root
                item["duplicate_similarity"] = round(signature.jaccard(self._signatures[root])
                                                     if root in self._signatures else self.threshold, 3)
            self._remember(item["id"], at, root, signature, marks)
            entry = {"id": item["id"], "at": at, "root": root, "hv": _encode(signature.hashvalues)}
            if marks:
                entry["sp"] = sorted(marks)
            entries.append(entry)
        if entries:
            self._write(store, entries, created_at=iso(now_utc()))

    @staticmethod
    def _write(store: Store, entries: list[dict[str, Any]], created_at: str) -> None:
        record_id = f"minhash:{created_at}:{entries[0]['id']}:{len(entries)}"
        store.put_record("state", record_id, {"id": record_id, "kind": STATE_KIND, "created_at": created_at,
                                              "entries": entries})
