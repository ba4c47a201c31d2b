"""The rebuttal knowledge base: known false claims with their official rebuttals, and matching items to them.

Claims are records of the store collection "claims" (shape agreed in the helpers' brief); their embeddings
live in the vector space "claims", so matching is one k-NN query per item on its title and lead. Editing
goes through this module (add, update, deactivate, import JSONL) and every change is audited.

Similarity alone cannot tell "giá xăng sẽ tăng" from "giá xăng sẽ giảm": every embedding model tried puts
such contradictions above true paraphrases. So a match is only "near-certain" when the similarity passes
``classifiers.claim_near_certain`` AND the numbers, negation, direction words and the order of named
actors agree; otherwise it is at most a "suggest" for an analyst, with the disagreement as its reason.
Thresholds are calibrated by ``python -m classifiers.training.calibrate_claims`` on ``data/claim_calibration.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifiers import DATA_DIR
from classifiers.runtime.embed import Embedder
from classifiers.runtime.lexicon import Match, Term, TermMatcher, load_yaml, to_terms
from pipeline.core.store.base import NotFound, Store
from pipeline.core.text import fold, normalize
from pipeline.core.timeutil import iso, now_utc

COLLECTION = "claims"
SPACE = "claims"
EMBEDDER_STATE = "claims-embedder"
CONSISTENCY_FILE = "claim_consistency.yaml"
SEED_FILE = DATA_DIR / "claims_seed.jsonl"
FIELDS = ("claim", "rebuttal", "rebuttal_source", "rebuttal_date", "rebuttal_url", "topics")


class ClaimError(ValueError):
    """A claim that cannot be stored as given (message in Vietnamese: it is shown to the user)."""


# ---------------------------------------------------------------------------------------------- editing
def claim_id(text: str) -> str:
    key = " ".join(fold(normalize(text, keep_newlines=False)).split())
    return "claim-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _clean(fields: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(FIELDS) - {"id", "active", "example", "notes"})
    if unknown:
        raise ClaimError(f"trường không hợp lệ: {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "topics":
            if isinstance(value, str):
                value = [t.strip() for t in value.split(",") if t.strip()]
            if not isinstance(value, list):
                raise ClaimError("topics phải là danh sách mã chủ đề")
            out[key] = [str(t) for t in value]
        elif key in ("active", "example"):
            out[key] = bool(value)
        elif value is not None:
            out[key] = normalize(str(value), keep_newlines=False)
    if not partial:
        for key in ("claim", "rebuttal"):
            if not out.get(key):
                raise ClaimError(f"thiếu nội dung '{key}'")
    if out.get("rebuttal_date") and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", out["rebuttal_date"]):
        raise ClaimError(f"rebuttal_date phải có dạng YYYY-MM-DD: {out['rebuttal_date']!r}")
    return out


def add_claim(store: Store, embedder: Embedder, fields: dict[str, Any], actor: str) -> dict[str, Any]:
    """Add a claim, or update it when the same claim text is already known."""
    clean = _clean(fields)
    record_id = str(fields.get("id") or claim_id(clean["claim"]))
    existing = store.get_record(COLLECTION, record_id)
    now = iso(now_utc())
    record = {"id": record_id, "claim": "", "rebuttal": "", "rebuttal_source": "", "rebuttal_date": "",
              "rebuttal_url": "", "topics": [], "created_by": actor, "created_at": now, "active": True,
              **(existing or {}), **clean, "updated_at": now}
    store.put_record(COLLECTION, record_id, record)
    _embed_claims(store, embedder, [record])
    store.audit(actor, "claim.update" if existing else "claim.add", "claim", record_id,
                before=existing, after=record)
    return record


def update_claim(store: Store, embedder: Embedder, record_id: str, changes: dict[str, Any],
                 actor: str, reason: str = "") -> dict[str, Any]:
    existing = store.get_record(COLLECTION, record_id)
    if existing is None:
        raise NotFound(f"không có nhận định {record_id}")
    clean = _clean(changes, partial=True)
    record = {**existing, **clean, "updated_at": iso(now_utc())}
    store.put_record(COLLECTION, record_id, record)
    if "claim" in clean:
        _embed_claims(store, embedder, [record])
    store.audit(actor, "claim.update", "claim", record_id, before=existing, after=record, reason=reason)
    return record


def deactivate_claim(store: Store, record_id: str, actor: str, reason: str = "") -> dict[str, Any]:
    """Stop matching a claim; the record stays, so what was matched before remains explainable."""
    existing = store.get_record(COLLECTION, record_id)
    if existing is None:
        raise NotFound(f"không có nhận định {record_id}")
    record = {**existing, "active": False, "updated_at": iso(now_utc())}
    store.put_record(COLLECTION, record_id, record)
    store.audit(actor, "claim.deactivate", "claim", record_id, before=existing, after=record, reason=reason)
    return record


def list_claims(store: Store, active_only: bool = False) -> list[dict[str, Any]]:
    where = {"active": True} if active_only else None
    return store.list_records(COLLECTION, where=where, order_by="created_at")


def read_claims_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file, checked; a bad line stops the import with its line number and nothing is written."""
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimError(f"không đọc được tệp {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ClaimError("mỗi dòng phải là một đối tượng JSON")
            _clean(row)
        except (json.JSONDecodeError, ClaimError) as exc:
            raise ClaimError(f"{path}, dòng {number}: {exc}") from exc
        rows.append(row)
    return rows


def import_claims(store: Store, embedder: Embedder, path: str | Path, actor: str) -> list[dict[str, Any]]:
    rows = read_claims_jsonl(path)
    return [add_claim(store, embedder, row, actor) for row in rows]


def seed_claims(store: Store, embedder: Embedder, actor: str = "system") -> int:
    """Load the shipped example claims once (a home that already has claims is left alone)."""
    if store.list_records(COLLECTION, limit=1):
        return 0
    return len(import_claims(store, embedder, SEED_FILE, actor))


def _embed_claims(store: Store, embedder: Embedder, records: list[dict[str, Any]]) -> None:
    if not records:
        return
    store.put_vectors(SPACE, [r["id"] for r in records], embedder.encode([r["claim"] for r in records]))
    store.put_record("state", EMBEDDER_STATE, {"id": EMBEDDER_STATE, "name": embedder.name, "dim": embedder.dim})


def ensure_claim_vectors(store: Store, embedder: Embedder) -> None:
    """Re-embed every claim when the configured embedder changed since they were embedded."""
    state = store.get_record("state", EMBEDDER_STATE)
    if state and state.get("name") == embedder.name and state.get("dim") == embedder.dim:
        return
    _embed_claims(store, embedder, list_claims(store))


# ---------------------------------------------------------------------------------------------- consistency
@dataclass(frozen=True)
class Consistency:
    """Checks that a similar text says the same thing as the claim, not its opposite.

    Words are matched with their diacritics when the text has them ("chữa" is not "chưa", "tầng" is not
    "tăng"), through the same matcher as every other cue.
    """

    negators: TermMatcher
    antonyms: TermMatcher  # payload: (pair index, side 0 or 1)
    pairs: tuple[tuple[str, str], ...]
    passive: TermMatcher

    @classmethod
    def load(cls) -> Consistency:
        data = load_yaml(CONSISTENCY_FILE)
        pairs = tuple((str(a), str(b)) for a, b in data["antonyms"])
        antonyms = [Term(word, (index, side)) for index, pair in enumerate(pairs) for side, word in enumerate(pair)]
        return cls(TermMatcher(to_terms([str(w) for w in data["negators"]])), TermMatcher(antonyms), pairs,
                   TermMatcher(to_terms([str(w) for w in data["passive_markers"]])))

    def conflicts(self, claim: str, text: str) -> list[str]:
        """Vietnamese reasons why ``text`` does not say what ``claim`` says (empty when none is found)."""
        reasons = []
        claim_numbers, text_numbers = _numbers(claim), _numbers(text)
        if claim_numbers - text_numbers and text_numbers - claim_numbers:
            reasons.append(f"số liệu khác nhau ({', '.join(sorted(claim_numbers))} / {', '.join(sorted(text_numbers))})")
        if bool(self.negators.find(claim)) != bool(self.negators.find(text)):
            reasons.append("một bên phủ định, một bên khẳng định")
        sides_claim = _sides(self.antonyms.find(claim))
        sides_text = _sides(self.antonyms.find(text))
        for index, sides in sides_claim.items():
            other = sides_text.get(index, set())
            if len(sides) == 1 and len(other) == 1 and sides != other:
                said = self.pairs[index][next(iter(sides))]
                reasons.append(f"ngược chiều: \"{said}\" / \"{self.pairs[index][next(iter(other))]}\"")
        order_claim, order_text = _actors(claim), _actors(text)
        shared = [a for a in order_claim if a in order_text]
        same_voice = bool(self.passive.find(claim)) == bool(self.passive.find(text))
        # The first two names both sides share, in the other order: who did what to whom is swapped.
        if same_voice and len(shared) >= 2 and [a for a in order_text if a in shared[:2]] != shared[:2]:
            reasons.append(f"đảo vai trò: {' – '.join(shared[:2])}")
        return reasons


def _sides(matches: list[Match]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for match in matches:
        index, side = match.term.payload
        out.setdefault(index, set()).add(side)
    return out


_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?:\s*%)?")
_WORD = re.compile(r"[^\W\d_]+")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[.,\s]", "", n) for n in _NUMBER.findall(text)}


def _actors(text: str) -> list[str]:
    """Capitalised names in order of appearance (runs of capitalised words); a lone capitalised word that
    starts a sentence is not a name."""
    out: list[str] = []
    run: list[str] = []
    run_starts_sentence = False
    previous_end = 0

    def flush() -> None:
        if run and not (run_starts_sentence and len(run) == 1):
            key = fold(" ".join(run))
            if key not in out:
                out.append(key)
        run.clear()

    for match in _WORD.finditer(text):
        word = match.group(0)
        gap = text[previous_end:match.start()]
        if run and gap.strip():
            flush()
        if word[0].isupper():
            if not run:
                before = text[:match.start()].rstrip()
                run_starts_sentence = not before or before[-1] in ".!?:\"'\u201c\n"
            run.append(word)
        else:
            flush()
        previous_end = match.end()
    flush()
    return out


# ---------------------------------------------------------------------------------------------- matching
@dataclass(frozen=True)
class ClaimThresholds:
    suggest: float = 0.90
    near_certain: float = 0.95
    candidates: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> ClaimThresholds:
        return cls(float(settings.get("classifiers.claim_suggest", cls.suggest)),
                   float(settings.get("classifiers.claim_near_certain", cls.near_certain)),
                   int(settings.get("classifiers.claim_candidates", cls.candidates)))


class ClaimMatcher:
    def __init__(self, store: Store, embedder: Embedder, thresholds: ClaimThresholds | None = None):
        self.store = store
        self.embedder = embedder
        self.thresholds = thresholds or ClaimThresholds()
        self.consistency = Consistency.load()
        ensure_claim_vectors(store, embedder)
        self._claims = {c["id"]: c for c in list_claims(store, active_only=True)}

    def reload(self) -> None:
        self._claims = {c["id"]: c for c in list_claims(self.store, active_only=True)}

    def texts(self) -> list[str]:
        """The active claims' texts: what the lexical prefilter compares items with."""
        return [c["claim"] for c in self._claims.values()]

    def match(self, text: str, vector: np.ndarray) -> list[dict[str, Any]]:
        """Known claims similar to ``text`` (an item's title and lead), best first, each with its level
        ("near_certain" or "suggest"), similarity and the reasons it is not near-certain."""
        if not self._claims:
            return []
        found = self.store.knn(SPACE, vector, k=self.thresholds.candidates, allowed=set(self._claims))
        out = []
        for record_id, similarity in found:
            if similarity < self.thresholds.suggest:
                continue
            claim = self._claims[record_id]
            conflicts = self.consistency.conflicts(claim["claim"], text)
            level = "near_certain" if similarity >= self.thresholds.near_certain and not conflicts else "suggest"
            out.append({
                "claim_id": record_id, "claim": claim["claim"], "similarity": round(float(similarity), 4),
                "level": level, "conflicts": conflicts, "rebuttal": claim.get("rebuttal", ""),
                "rebuttal_source": claim.get("rebuttal_source", ""), "rebuttal_url": claim.get("rebuttal_url", ""),
                "rebuttal_date": claim.get("rebuttal_date", ""),
            })
        return out
