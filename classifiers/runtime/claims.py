"""Matching items to the rebuttal knowledge base (``pipeline/office/claims.py`` keeps the claims).

The claims' embeddings live in the store's vector space "claims", so matching is one k-NN query per item on
its title and lead. A claim is embedded the first time the matcher sees it, and again when its text or the
configured embedder changes (the state record "claims-embedder" remembers what was embedded with what).

Similarity alone cannot tell "giá xăng sẽ tăng" from "giá xăng sẽ giảm": every embedding model tried puts
such contradictions above true paraphrases. So a match is only "near-certain" when the similarity passes
``classifiers.claim_near_certain`` AND the numbers, negation, direction words and the order of named
actors agree; otherwise it is at most a "suggest" for an analyst, with the disagreement as its reason.
Thresholds are calibrated by ``python -m classifiers.training.calibrate_claims`` on ``data/claim_calibration.jsonl``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from classifiers.runtime.embed import Embedder
from classifiers.runtime.lexicon import Match, Term, TermMatcher, load_yaml, to_terms
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.text import fold
from pipeline.office.claims import list_claims

SPACE = "claims"
EMBEDDER_STATE = "claims-embedder"
CONSISTENCY_FILE = "claim_consistency.yaml"


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def ensure_claim_vectors(store: Store, embedder: Embedder, claims: list[dict[str, Any]]) -> int:
    """Embed the claims whose text, or the embedder, changed since they were last embedded; returns how many."""
    state = store.get_record("state", EMBEDDER_STATE) or {}
    same_model = state.get("name") == embedder.name and state.get("dim") == embedder.dim
    done: dict[str, str] = dict(state.get("claims") or {}) if same_model else {}
    todo = [c for c in claims if done.get(c["id"]) != _text_key(c["claim"])]
    if not todo and same_model:
        return 0
    if todo:
        store.put_vectors(SPACE, [c["id"] for c in todo], embedder.encode([c["claim"] for c in todo]))
        done.update({c["id"]: _text_key(c["claim"]) for c in todo})
    store.put_record("state", EMBEDDER_STATE, {"id": EMBEDDER_STATE, "name": embedder.name, "dim": embedder.dim,
                                               "claims": done})
    return len(todo)


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
    """The ``classifiers.claim_*`` settings (their defaults and reasons are in pipeline/core/defaults.py)."""

    suggest: float
    near_certain: float
    candidates: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ClaimThresholds:
        return cls(settings.get_float("classifiers.claim_suggest"), settings.get_float("classifiers.claim_near_certain"),
                   settings.get_int("classifiers.claim_candidates"))


class ClaimMatcher:
    def __init__(self, store: Store, embedder: Embedder, thresholds: ClaimThresholds):
        self.store = store
        self.embedder = embedder
        self.thresholds = thresholds
        self.consistency = Consistency.load()
        self._claims: dict[str, dict[str, Any]] = {}

    def reload(self) -> None:
        """Read the active claims again (analysts edit them while the pipeline runs) and embed new ones."""
        claims = list_claims(self.store, active_only=True)
        ensure_claim_vectors(self.store, self.embedder, claims)
        self._claims = {c["id"]: c for c in claims}

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
