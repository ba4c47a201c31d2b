"""Labelled items for the tone model, read as the product reads them, and the cross-validation that chooses
the reversal guard and the digest's "tích cực" bar (run by a developer, never at run time).

- Provincial items (``classifiers/data/corpora/province_items/train.jsonl``, synthetic, MIT): relevance finds
  the province's places with the profile's gazetteer, as ``process`` does.
- Real news (``classifiers/data/corpora/vntc_sections``: VNTC rows of the two catch-all folders, relabelled for
  Điểm tin with the locality each is mainly about and the tone toward it; the text is
  ``shared/data/train/vntc_train.jsonl`` at line ``vntc_row``; VNTC is MIT, Hoang et al. 2007; the labellers read
  the title and the first 700 characters, and their ``clear_cut`` is mainly about the section, not the tone).
  "The province" is the labelled locality: its mentions are found by name, by the usual spellings (TP HCM, TPHCM, Sài Gòn…)
  and by the names of its former districts (``shared/data/admin``), which the labellers folded into the
  province. ``classifiers/data/corpora/vntc_tone`` adds the tone labels of five more folders (Pháp luật, Kinh
  doanh, Sức khỏe, Thể thao, Văn hóa; training split; readers read the first 1,200 characters, and
  ``tone_clear_cut`` is about the tone), and of a second wave: the three folders never relabelled (Khoa học, Thế
  giới, Vi tính; training-split rows that name a province) and the 20% test split of all ten folders (the catch-all
  two through ``test_ctxh_doisong.jsonl``). The test split is the *section* model's held-out set, which never
  reads these labels; the tone model may, since tone is measured on ``corpora/real_items`` (whose articles, by
  row and by title, are in none of these files). Their ``locality_as_written`` (a club, a district) is searched
  too. ``classifiers/data/corpora/modern_news`` (synthetic, written for the project) adds its training articles
  that name their place, each toward it.
  Rows without a locality (national or personal pieces, always neutral) are not used: the product
  only reads items about its province. Rows whose locality is never named in the text are left out too.

The aside model (``choose_aside``, ``runtime.tone.Aside``) learns where a province is named when it is only an
aside: from these rows (about their place) and from the same real articles read toward another province their
text names aside (``aside_copies``).

Cross-validation is grouped by story (provincial items of one event, or VNTC rows of one title, never sit on both
sides of a fold).
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from classifiers.training.topic_data import (
    MODERN_NEWS,
    PROVINCE_ITEMS,
    RELABEL_TEST,
    RELABEL_TRAIN,
    VNTC_SECTIONS,
    english_headlines,
    labelled_article,
    province_rows,
    shared_train_dir,
)

log = logging.getLogger(__name__)
REAL_TONE = VNTC_SECTIONS
# Tone labels of five more VNTC folders (80% split only): the readers judged the tone, and their clear-cut mark is
# about the tone (``tone_clear_cut``); ``locality_as_written`` gives the strings the text uses for the place.
VNTC_TONE = VNTC_SECTIONS.parent / "vntc_tone"
TONE_TRAIN = ("tone_phapluat_train.jsonl", "tone_kinhdoanh_train.jsonl", "tone_suckhoe_train.jsonl",
              "tone_thethao_train.jsonl", "tone_vanhoa_train.jsonl",
              # The second wave (same instructions): the training split's rows of the three folders never relabelled
              # that name a province, and the test split of the eight folders not in ``vntc_sections``.
              "tone_khoahoc_thegioi_vitinh_train.jsonl", "tone_test_split.jsonl")
# The catch-all folders' section relabels, both splits: their locality and tone are read too.
SECTION_FILES = (*RELABEL_TRAIN, *RELABEL_TEST)
TONE_LABEL = {"positive": "tich_cuc", "neutral": "trung_lap", "negative": "tieu_cuc"}
# A VNTC title longer than this holds the title and the lead run together: it is read as the text's lead.
VNTC_TITLE_MAX = 140
# Spellings of a locality the labellers wrote one way and the press writes several.
LOCALITY_SPELLINGS = {
    "hồ chí minh": ["TP HCM", "TP.HCM", "TPHCM", "TP. HCM", "TP Hồ Chí Minh", "TP. Hồ Chí Minh", "TP.Hồ Chí Minh",
                    "thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh", "Sài Gòn"],
    "hà nội": ["Hà Nội", "Thủ đô"],
    "thừa thiên huế": ["Thừa Thiên Huế", "Thừa Thiên - Huế", "Huế"],
    "bà rịa - vũng tàu": ["Bà Rịa - Vũng Tàu", "Bà Rịa-Vũng Tàu", "Vũng Tàu", "BR-VT"],
    "đắk lắk": ["Đắk Lắk", "Đắc Lắc", "Đăk Lăk", "Buôn Ma Thuột"],
}
_HCM = ("tp hcm", "tphcm", "tp.hcm", "tp. hcm", "tp hồ chí minh", "tp. hồ chí minh", "sài gòn", "hồ chí minh")
_ADMIN_PREFIX = re.compile(r"^(Tỉnh|Thành phố|Quận|Huyện|Thị xã) ")


def province_tone_items(split: str) -> list[dict[str, Any]]:
    """Provincial items of ``split`` with the places relevance finds, their label, clear-cut mark and story."""
    from pipeline.core.profiles import load_profile
    from pipeline.core.relevance import RelevanceMatcher
    from pipeline.core.text import normalize

    matchers: dict[str, Any] = {}
    out = []
    for row in province_rows(split):
        province = row["province"]
        if province not in matchers:
            profile = load_profile(province)
            matchers[province] = (RelevanceMatcher(profile), tuple(profile.other_provinces))
        matcher, others = matchers[province]
        item = {"id": row["id"], "title": normalize(row["title"], keep_newlines=False), "text": normalize(row["text"])}
        item["places"] = matcher.match(item["title"], item["text"], normalized=True).places
        out.append({"item": item, "label": TONE_LABEL[row["tone"]], "clear_cut": bool(row["clear_cut"]),
                    "group": row["story_id"], "others": others, "source": "province_items",
                    "aside": row.get("mention") == "passing"})
    return out


def _admin_dir() -> Path:
    return shared_train_dir().parent / "admin"


def _districts() -> dict[str, set[str]]:
    """Former districts by former province (names without "Huyện", "Quận"...): the 2005-2007 press names them."""
    path = _admin_dir() / "old_to_new_communes_all.csv"
    out: dict[str, set[str]] = {}
    if not path.is_file():
        log.warning("no district list %s: real rows find their locality by its name only", path)
        return out
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            district = _ADMIN_PREFIX.sub("", row["old_district_name"])
            if len(district) > 3 and not district.isdigit():
                out.setdefault(_ADMIN_PREFIX.sub("", row["old_province_name"]).lower(), set()).add(district)
    return out


def _all_provinces() -> list[str]:
    from pipeline.core.profiles import PROVINCE_IDS, load_profile

    names: set[str] = set()
    for province in PROVINCE_IDS:
        profile = load_profile(province)
        names.update(profile.other_provinces)
        names.add(profile.name)
    return sorted(names)


def _locality_names(locality: str, districts: dict[str, set[str]]) -> list[str]:
    key = locality.lower()
    if key in _HCM:
        key = "hồ chí minh"
    names = list(LOCALITY_SPELLINGS.get(key, [locality]))
    if locality not in names:
        names.append(locality)
    return names + sorted(districts.get(key, ()))


def _spans(names: Iterable[str], field_name: str, value: str) -> list[dict[str, Any]]:
    found = {}
    for name in names:
        for match in re.finditer(r"(?<![^\W_])" + re.escape(name) + r"(?![^\W_])", value):
            found[(match.start(), match.end())] = {"name": name, "alias": name, "kind": "province",
                                                   "start": match.start(), "end": match.end(), "field": field_name}
    return list(found.values())


def vntc_item(row: dict[str, Any]) -> dict[str, str]:
    """A VNTC row as an item: a long title (the title and lead run together) becomes the text's lead."""
    from pipeline.core.text import normalize

    title = normalize(row.get("title") or "", keep_newlines=False)
    text = normalize(row.get("text") or "")
    if len(title) > VNTC_TITLE_MAX:
        title, text = "", f"{title}\n{text}".strip()
    return {"title": title, "text": text}


def _label_files(folder: Path, tone_folder: Path) -> list[tuple[bool, Path]]:
    """(whether the readers judged the tone, path) of every tone label file: the catch-all folders' section
    relabels, then the tone relabels."""
    out = [(False, folder / name) for name in SECTION_FILES] + [(True, tone_folder / name) for name in TONE_TRAIN]
    return [(tone, path) for tone, path in out if path.is_file()]


def _source(tone: bool, path: Path, row: dict[str, Any]) -> str:
    """A real row's source: "vntc" for the catch-all folders' relabels, else "vntc_" and its VNTC folder
    ("vntc_phapluat": row weights and the cross-validation's strata go by folder, whichever file holds it)."""
    if not tone:
        return "vntc"
    folder = row.get("label") or path.name.split("_")[1]
    return "vntc_" + re.sub(r"\W+", "", folder.lower())


def title_key(title: str) -> str:
    """A VNTC title as a key: VNTC repeats some articles under several rows with the same title."""
    return re.sub(r"\W+", " ", title.lower()).strip()[:80]


def _group(title: str) -> str:
    """Story key of a real row: one title is one story."""
    return "vntc:" + title_key(title)


def _labelled_rows(vntc: Path, folder: Path, tone_folder: Path) -> Iterator[tuple[bool, Path, dict[str, Any],
                                                                                 dict[str, Any]]]:
    """(whether the readers judged the tone, file, label, VNTC row) of every label line of every tone label file,
    the row checked against the label's title (:func:`labelled_article`)."""
    with open(vntc, encoding="utf-8") as handle:
        lines = handle.readlines()
    for tone_labels, path in _label_files(folder, tone_folder):
        with open(path, encoding="utf-8") as handle:
            labels = [json.loads(line) for line in handle if line.strip()]
        for label in labels:
            line_of = label["vntc_row"]
            row = json.loads(lines[line_of]) if line_of < len(lines) else None
            yield tone_labels, path, label, labelled_article(label, row, path.name, vntc)


def real_tone_items(vntc: Path, folder: Path = REAL_TONE, tone_folder: Path = VNTC_TONE) -> list[dict[str, Any]]:
    """The relabelled VNTC rows that name a locality, with its mentions as the item's places."""
    if not vntc.is_file() or not folder.is_dir():
        log.warning("real tone rows not read %s", {"vntc": str(vntc), "labels": str(folder)})
        return []
    districts = _districts()
    provinces = _all_provinces()
    out, unnamed, seen = [], 0, set()
    for tone_labels, path, label, row in _labelled_rows(vntc, folder, tone_folder):
        locality = (label.get("locality") or "").strip()
        if not locality or label["vntc_row"] in seen:
            continue
        seen.add(label["vntc_row"])
        item = vntc_item(row)
        places, others = _located(item, locality, label.get("locality_as_written"), districts, provinces)
        if not places:
            unnamed += 1
            continue
        clear = label["tone_clear_cut"] if "tone_clear_cut" in label else label.get("clear_cut")
        out.append({"item": {"id": f"vntc-{label['vntc_row']}", **item, "places": places},
                    "label": TONE_LABEL[label["tone"]], "clear_cut": bool(clear),
                    "tone_clear_cut": "tone_clear_cut" in label,
                    "group": _group(row.get("title") or item["text"][:80]), "others": others,
                    "source": _source(tone_labels, path, row)})
    log.info("real tone rows %s", {"used": len(out), "locality_not_named": unnamed})
    return out


def _located(item: dict[str, str], locality: str, written: str | None, districts: dict[str, set[str]],
             provinces: list[str]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """The mentions of a labelled locality in an item (by name, spellings, former districts and the readers'
    as-written strings) and the other provinces, whose cues the reader must not count."""
    return _mentions(item, _names(locality, written, districts), provinces)


def _names(locality: str, written: str | None, districts: dict[str, set[str]]) -> list[str]:
    """The names a labelled locality goes by: its name, spellings and former districts, and the readers'
    as-written strings."""
    names = _locality_names(locality, districts)
    return names + [w.strip() for w in (written or "").split("|") if len(w.strip()) > 2 and w.strip() not in names]


def _mentions(item: dict[str, str], names: list[str], provinces: list[str]) -> tuple[list[dict[str, Any]],
                                                                                    tuple[str, ...]]:
    """The spans of ``names`` in an item's title and text, and the provinces that are not among them."""
    places = _spans(names, "title", item["title"]) + _spans(names, "text", item["text"])
    return places, tuple(p for p in provinces if not any(p in n or n in p for n in names))


# Provinces whose name is also a common phrase or another place's part ("hòa bình": peace; Huế, the city of a
# province with other names), left out of the aside copies.
_ASIDE_SKIP = ("Hòa Bình", "Huế")
# At most this many mentions, none in the title: the other province is named aside.
ASIDE_MAX_MENTIONS = 2


def aside_copies(vntc: Path, folder: Path = REAL_TONE, tone_folder: Path = VNTC_TONE) -> list[dict[str, Any]]:
    """Real articles read toward a province they name only aside: every relabelled VNTC row (with a locality or
    national), toward each province (by its name and usual spellings) that is not its locality, that its text names
    at most ``ASIDE_MAX_MENTIONS`` times and its title never. Neutral toward that province by the readers' rule for
    passing mentions (``corpora/real_items/README.md``); not clear-cut, since a roundup may give it a paragraph of
    its own. The aside model learns from them; the tone model does not (the same words with two labels taught it
    to call the province's own bad news neutral: classifiers/EVALUATION.md, "Ninth pass")."""
    if not vntc.is_file() or not folder.is_dir():
        return []
    districts, provinces = _districts(), _all_provinces()
    targets: dict[frozenset[str], list[str]] = {}
    for province in provinces:
        if province not in _ASIDE_SKIP:
            names = _locality_names(province, {})
            targets.setdefault(frozenset(n.lower() for n in names), names)
    out, seen = [], set()
    for _, _, label, row in _labelled_rows(vntc, folder, tone_folder):
        if label["vntc_row"] in seen:
            continue
        seen.add(label["vntc_row"])
        item = vntc_item(row)
        locality = (label.get("locality") or "").strip()
        own = [n.lower() for n in _names(locality, label.get("locality_as_written"), districts)] if locality else []
        for names in targets.values():
            if any(n.lower() in o or o in n.lower() for n in names for o in own):
                continue
            places, others = _mentions(item, names, provinces)
            if 0 < len(places) <= ASIDE_MAX_MENTIONS and all(p["field"] == "text" for p in places):
                out.append({"item": {"id": f"vntc-{label['vntc_row']}-aside-{names[0]}", **item, "places": places},
                            "label": "trung_lap", "clear_cut": False, "aside": True,
                            "group": _group(row.get("title") or item["text"][:80]), "others": others,
                            "source": "vntc_aside"})
    return out


def modern_tone_items(split: str = "train") -> list[dict[str, Any]]:
    """The modern news articles (``corpora/modern_news``, written for the project) that name their place, with
    the writer's tone toward it."""
    from pipeline.core.language import item_language
    from pipeline.core.text import normalize

    districts, provinces, out = _districts(), _all_provinces(), []
    for row in province_rows(split, MODERN_NEWS):
        if not row["province"]:
            continue
        item = {"title": normalize(row["title"], keep_newlines=False), "text": normalize(row["text"])}
        item["lang"] = item_language(item["title"], item["text"])
        places, others = _located(item, row["province"], row["locality_as_written"], districts, provinces)
        if places:
            out.append({"item": {"id": row["id"], **item, "places": places}, "label": TONE_LABEL[row["tone"]],
                        "clear_cut": bool(row["tone_clear_cut"]), "tone_clear_cut": True, "group": row["id"],
                        "others": others, "source": "modern_news"})
    return out


def rows_of(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tone model's rows (title, head, reading features, label); each datum keeps its reading."""
    from classifiers.runtime.tone import ToneReader, tone_rows

    readers: dict[tuple[str, ...], ToneReader] = {}
    rows = []
    for datum in data:
        reader = readers.get(datum["others"])
        if reader is None:
            reader = readers[datum["others"]] = ToneReader(other_places=datum["others"])
        datum["reading"] = reader.read(datum["item"])
        row = tone_rows([datum["item"]], [datum["reading"]])[0]
        row["label"] = datum["label"]
        rows.append(row)
    return rows


# How often a training row counts, by (source, label); 1 when not named. The Pháp luật folder's rows are 95% negative
# (crime news): all of them taught the model that crime words mean "negative" even where the province's part is
# neutral (a trial elsewhere, a routine inspection); a third of its negatives, drawn once with a fixed seed, kept
# the most on grouped cross-validation (fewest errors with a reversal costing ``REVERSAL_COST``: 200 against 208
# with all of them, 210 with half the folder; synthetic rows ×2 or the other real rows ×2 did not help).
ROW_WEIGHTS: dict[tuple[str, str], float] = {("vntc_phapluat", "tieu_cuc"): 0.35}


def teaser_copies(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A short copy of each datum whose title and first sentence still name its place: what a feed's teaser or a
    post gives of the article (``topic_data.teaser_end``), with the places found in that part (relevance would
    not pass an item that does not name the province). The benchmark reads tone on such copies of held-out items.

    Not trained on: the tone model learning from these copies beside the whole rows was tried (classifiers/
    EVALUATION.md, eighth pass) and cost real and provincial held-out news agreement and reversals."""
    from classifiers.training.topic_data import teaser_end

    out = []
    for datum in data:
        item = datum["item"]
        end = teaser_end(item["text"])
        places = [p for p in item.get("places") or [] if p.get("field") != "text" or p.get("end", 0) <= end]
        if places:
            out.append({**datum, "item": {**item, "text": item["text"][:end], "places": places}})
    return out


def weighted(data: list[dict[str, Any]], rows: list[dict[str, Any]], index: Iterable[int]) -> list[dict[str, Any]]:
    """The training rows of ``index`` with ``ROW_WEIGHTS``: repeated for a weight above 1, kept with that
    probability (seeded, so a rebuild trains on the same rows) below it."""
    import random

    draw = random.Random(0)
    out = []
    for k in index:
        weight = ROW_WEIGHTS.get((data[k]["source"], data[k]["label"]), 1.0)
        out += [rows[k]] * (int(weight) + (1 if draw.random() < weight - int(weight) else 0))
    return out


def folds(data: list[dict[str, Any]], n: int = 5) -> list[tuple[Any, Any]]:
    """(train, test) indices of the cross-validation: grouped by story, stratified by label and source."""
    from sklearn.model_selection import StratifiedGroupKFold

    strata = [f"{d['label']}/{d['source']}" for d in data]
    return list(StratifiedGroupKFold(n, shuffle=True, random_state=0).split(strata, strata, [d["group"] for d in data]))


def cross_validated(data: list[dict[str, Any]], rows: list[dict[str, Any]], config: dict[str, Any],
                    n_folds: int = 5) -> list[dict[str, float]]:
    """Out-of-fold tone probabilities of the word model."""
    from classifiers.training.learn import train_model

    probs: list[dict[str, float]] = [{} for _ in data]
    for train_idx, test_idx in folds(data, n_folds):
        model = train_model(weighted(data, rows, train_idx), "tone", config)
        for k, prob in zip(test_idx, model.predict_proba([rows[k] for k in test_idx]), strict=True):
            probs[k] = prob
    return probs


# The semantic head (classifiers/runtime/semantic_head.py): a multinomial logistic regression on e5 vectors of the
# headline window, classes balanced, rows weighted as the word model's (``ROW_WEIGHTS``). C chosen with the weight
# and gate (``classifiers.tone_embed_*``) by the same cross-validation: cost at guard 0.2 / 0.25 (errors on
# clear-cut rows, a reversal counting 5; the words alone 326): C 10 295 / 286, C 30 285 / 284, C 100 278 / 279,
# C 300 297 / 295.
HEAD_C = 100.0


def english_copies(data: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The English translation of the headline of each provincial and modern training row (``train_en.jsonl``),
    by the row's index in ``data``: the head also learns the province's news as foreign press reports it."""
    english = {**english_headlines(PROVINCE_ITEMS), **english_headlines(MODERN_NEWS)}
    return {k: english[d["item"]["id"]] for k, d in enumerate(data) if d["item"].get("id") in english}


def fit_head(data: list[dict[str, Any]], vectors: Any, index: Iterable[int], embedder: Any,
             max_chars: int, copies: dict[int, Any] | None = None) -> Any:
    """A semantic head fitted on the rows of ``index`` (classes balanced, rows weighted as the word model's) and
    the vectors of their English copies (``copies``: row index -> vector), each with its row's label and weight."""
    import numpy as np

    from classifiers.runtime.tone import LABELS
    from classifiers.training.semantic_heads import fit_semantic_head

    keys = list(index)
    extra = [k for k in keys if k in (copies or {})]
    x = np.vstack([vectors[keys], *(copies[k][None, :] for k in extra)]) if copies and extra else vectors[keys]
    keys += extra
    return fit_semantic_head(x, list(LABELS), [data[k]["label"] for k in keys], embedder, max_chars,
                             HEAD_C, sample_weight=[ROW_WEIGHTS.get((data[k]["source"], data[k]["label"]), 1.0)
                                                    for k in keys], class_weight="balanced")


def choose_other_languages(data: list[dict[str, Any]], vectors: Any, embedder: Any, max_chars: int,
                           copies: dict[int, Any]) -> dict[str, Any]:
    """The reversal guard for items in other languages, by :func:`choose_settings`' rule, from the head for other
    languages alone on the English copies, out-of-fold (fitted on the other folds' rows and copies). As the
    product reads such an item: the head where its headline is about the province, else neutral."""
    import math

    import numpy as np

    from classifiers.runtime.tone import asks_head

    probs: dict[int, dict[str, float]] = {}
    for train_idx, test_idx in folds(data):
        head = fit_head(data, vectors, train_idx, embedder, max_chars, copies)
        scored = [k for k in test_idx if k in copies]
        for k, row in zip(scored, head.probs(np.vstack([copies[k] for k in scored])), strict=True):
            read = dict(zip(head.labels, map(float, row), strict=True))
            probs[k] = read if asks_head(data[k]["reading"], read, math.inf) else {"trung_lap": 1.0}
    keys = sorted(probs)
    return choose_settings([data[k] for k in keys], [probs[k] for k in keys])


def cross_validated_head(data: list[dict[str, Any]], vectors: Any, embedder: Any,
                         max_chars: int) -> list[dict[str, float]]:
    """Out-of-fold probabilities of the semantic head, on the word model's folds."""
    probs: list[dict[str, float]] = [{} for _ in data]
    for train_idx, test_idx in folds(data):
        head = fit_head(data, vectors, train_idx, embedder, max_chars)
        for k, row in zip(test_idx, head.probs(vectors[test_idx]), strict=True):
            probs[k] = dict(zip(head.labels, map(float, row), strict=True))
    return probs


def combined(data: list[dict[str, Any]], words: list[dict[str, float]], heads: list[dict[str, float]],
             weight: float, gate: float) -> list[dict[str, float]]:
    """What the classifier decides from: the word model's probabilities, fused with the head's where it asks."""
    from classifiers.runtime.semantic_head import fuse
    from classifiers.runtime.tone import asks_head

    return [fuse(w, h, weight) if weight > 0 and asks_head(d["reading"], w, gate) else w
            for d, w, h in zip(data, words, heads, strict=True)]


def scores(data: list[dict[str, Any]], labels: list[str], index: Iterable[int] | None = None) -> dict[str, Any]:
    """Agreement, macro-F1 over the three tones and positive/negative reversals on ``index``."""
    keys = list(range(len(data)) if index is None else index)
    return agreement([data[k]["label"] for k in keys], [labels[k] for k in keys])


def agreement(truth: list[str], guess: list[str]) -> dict[str, Any]:
    """Agreement with the readers, macro-F1 over the three tones and positive/negative reversals."""
    from sklearn.metrics import f1_score

    if not truth:
        return {"n": 0}
    pairs = list(zip(truth, guess, strict=True))
    return {"n": len(pairs), "agreement": round(sum(a == b for a, b in pairs) / len(pairs), 4),
            "macro_f1": round(float(f1_score(truth, guess, average="macro", labels=list(TONE_LABEL.values()),
                                             zero_division=0)), 4),
            "reversals": sum(1 for a, b in pairs if {a, b} == {"tich_cuc", "tieu_cuc"})}


# A reversal (good news called bad, or bad news good) costs this many wrong neutrals when the guard is chosen: the
# error a reader forgives least, and the one an office must never publish (a disaster in the "tích cực" section).
REVERSAL_COST = 5.0
GUARDS = (1.0, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1)
MIN_SCORES = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9)
# The digest's "tích cực" bar: the lowest score whose cross-validated precision reaches this.
POSITIVE_PRECISION = 0.9


def choose_settings(data: list[dict[str, Any]], probs: list[dict[str, float]]) -> dict[str, Any]:
    """The reversal guard and the positive score bar (precision >= ``POSITIVE_PRECISION``), both from
    cross-validated probabilities.

    The guard: the one with the fewest reversals among those whose cost (errors on clear-cut items, a reversal
    counting ``REVERSAL_COST``) is within one standard error of the lowest, the error paired over the same rows
    (the "one standard error" rule). The lowest cost alone moved the guard on differences smaller than one
    reshuffle of the folds moves them, and twice (a longer headline window; the fourth batch of modern news) the
    looser guard it chose added reversals on every held-out set without more agreement on real news."""
    import math

    from classifiers.runtime.tone import ToneClassifier

    clear = [k for k, d in enumerate(data) if d["clear_cut"]]
    table: dict[str, Any] = {}
    results_at: dict[float, list[dict[str, Any]]] = {}
    row_costs: dict[float, list[float]] = {}
    for guard in GUARDS:
        classifier = ToneClassifier(reversal_guard=guard)
        results = [classifier._result(d["reading"], p) for d, p in zip(data, probs, strict=True)]
        results_at[guard] = results
        labels = [r["label"] for r in results]
        entry = {"clear_cut": scores(data, labels, clear), "all": scores(data, labels)}
        real = [k for k in range(len(data)) if data[k]["source"].startswith("vntc")]
        entry["real"] = scores(data, labels, real)
        entry["real_tone_clear_cut"] = scores(data, labels, [k for k in real if data[k].get("tone_clear_cut")
                                                             and data[k]["clear_cut"]])
        for source in sorted({d["source"] for d in data}):
            entry[source] = scores(data, labels, [k for k in range(len(data)) if data[k]["source"] == source])
        row_costs[guard] = [0.0 if labels[k] == data[k]["label"] else
                            REVERSAL_COST if {labels[k], data[k]["label"]} == {"tich_cuc", "tieu_cuc"} else 1.0
                            for k in clear]
        entry["cost"] = round(sum(row_costs[guard]), 1)
        table[str(guard)] = entry
    best = min(GUARDS, key=lambda g: sum(row_costs[g]))
    for guard in GUARDS:
        diffs = [a - b for a, b in zip(row_costs[guard], row_costs[best], strict=True)]
        mean = sum(diffs) / max(1, len(diffs))
        spread = math.sqrt(len(diffs) * sum((d - mean) ** 2 for d in diffs) / max(1, len(diffs) - 1))
        table[str(guard)]["cost_above_lowest"] = {"cost": round(sum(diffs), 1), "standard_error": round(spread, 1)}
    within = [g for g in GUARDS
              if table[str(g)]["cost_above_lowest"]["cost"] <= table[str(g)]["cost_above_lowest"]["standard_error"]]
    guard = min(within, key=lambda g: (table[str(g)]["clear_cut"]["reversals"], sum(row_costs[g])))
    positives = [(r["scores"]["tich_cuc"], data[k]["label"] == "tich_cuc")
                 for k, r in enumerate(results_at[guard]) if r["label"] == "tich_cuc"]
    precision = {}
    for bar in MIN_SCORES:
        kept = [ok for score, ok in positives if score >= bar]
        precision[str(bar)] = {"n": len(kept), "precision": round(sum(kept) / len(kept), 3) if kept else None}
    bar = next((b for b in MIN_SCORES if (precision[str(b)]["precision"] or 0) >= POSITIVE_PRECISION), MIN_SCORES[-1])
    return {"reversal_guard": guard, "lowest_cost_guard": best, "positive_min_score": bar, "by_guard": table,
            "positive_precision_by_min_score": precision, "reversal_cost": REVERSAL_COST}


# Facts of the reading the aside model reads: where and how often the province is named, beside other places.
ASIDE_FEATURES = ("ours_title", "ours_lead", "ours_count", "ours_in_list", "others_head", "passing", "ours_share",
                  "others_count", "first_mention", "named_once")
ASIDE_BARS = (0.99, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5)


def _aside_fit(data: list[dict[str, Any]], index: Iterable[int]) -> Any:
    """A logistic regression (classes balanced) on the rows of ``index`` that name the province at least once."""
    from sklearn.linear_model import LogisticRegression

    keys = [k for k in index if data[k]["reading"].features.get("ours_count")]
    x = [[data[k]["reading"].features.get(name, 0.0) for name in ASIDE_FEATURES] for k in keys]
    return LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(
        x, [int(bool(data[k].get("aside"))) for k in keys])


def _aside_model(fit: Any, bar: float) -> Any:
    from classifiers.runtime.tone import Aside

    return Aside(ASIDE_FEATURES, tuple(float(c) for c in fit.coef_[0]), float(fit.intercept_[0]), bar)


def choose_aside(data: list[dict[str, Any]], copies: list[dict[str, Any]], probs: list[dict[str, float]],
                 guard: float) -> dict[str, Any]:
    """The aside model and its bar. Out-of-fold (the tone folds; a copy in its article's fold), on the tone
    model's out-of-fold probabilities ``probs`` at ``guard``: the bar is the lowest of ``ASIDE_BARS`` whose cost on
    the clear-cut training rows (errors, a reversal counting ``REVERSAL_COST``) stays within one standard error of
    no aside model, the error paired over the same rows. The copies are not clear-cut and do not enter the cost;
    the share of them the product then reads as passing is reported."""
    import math
    import zlib

    from classifiers.runtime.tone import ToneClassifier

    rows = data + copies
    fold_of = [0] * len(rows)
    by_group: dict[str, int] = {}
    for f, (_, test_idx) in enumerate(folds(data)):
        for k in test_idx:
            fold_of[k] = f
            by_group[data[k]["group"]] = f
    for j, copy in enumerate(copies):
        fold_of[len(data) + j] = by_group.get(copy["group"], zlib.crc32(copy["group"].encode()) % 5)
    oof: list[float] = [0.0] * len(rows)
    for f in range(5):
        fit = _aside_model(_aside_fit(rows, [k for k in range(len(rows)) if fold_of[k] != f]), 1.0)
        for k in range(len(rows)):
            if fold_of[k] == f:
                oof[k] = fit.probability(rows[k]["reading"])
    clear = [k for k, d in enumerate(data) if d["clear_cut"]]
    classifier = ToneClassifier(reversal_guard=guard)

    def labels_at(bar: float) -> list[str]:
        out = []
        for k in clear:
            reading = data[k]["reading"]
            if oof[k] >= bar and not reading.features.get("passing"):
                reading = type(reading)(reading.cues, {**reading.features, "passing": 1.0})
            out.append(classifier._result(reading, probs[k])["label"])
        return out

    def costs(labels: list[str]) -> list[float]:
        return [0.0 if a == data[k]["label"] else REVERSAL_COST if {a, data[k]["label"]} == {"tich_cuc", "tieu_cuc"}
                else 1.0 for a, k in zip(labels, clear, strict=True)]

    base = costs(labels_at(math.inf))
    table, chosen = {}, math.inf
    for bar in ASIDE_BARS:
        diffs = [a - b for a, b in zip(costs(labels_at(bar)), base, strict=True)]
        mean = sum(diffs) / max(1, len(diffs))
        spread = math.sqrt(len(diffs) * sum((d - mean) ** 2 for d in diffs) / max(1, len(diffs) - 1))
        passing = sum(1 for j in range(len(copies)) if oof[len(data) + j] >= bar
                      or copies[j]["reading"].features.get("passing")) / max(1, len(copies))
        table[str(bar)] = {"cost_above_none": round(sum(diffs), 1), "standard_error": round(spread, 1),
                           "copies_read_as_passing": round(passing, 4)}
        if sum(diffs) > spread:
            break
        chosen = bar
    rule_only = sum(1 for c in copies if c["reading"].features.get("passing")) / max(1, len(copies))
    # No bar kept the cost: a bar above every probability keeps the passing-mention rules alone.
    model = _aside_model(_aside_fit(rows, range(len(rows))), chosen if chosen < math.inf else 1.01)
    return {"features": list(model.features), "coef": [round(c, 6) for c in model.coef], "intercept":
            round(model.intercept, 6), "min_probability": model.min_probability, "guard": guard, "by_bar": table,
            "copies": len(copies), "copies_passing_by_rules_alone": round(rule_only, 4)}
