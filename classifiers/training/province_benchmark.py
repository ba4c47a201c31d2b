"""Topics, tone and stories measured as the product runs them, on rows no shipped model or rule was tuned on.

- **topics**: the first topic's main section (what ``diemtin classify --json`` puts first) against the newsroom
  section, on the VNTC 20% split (real news; the shipped section model trained on the other 80%) and on the
  provincial ``heldout.jsonl`` (synthetic, short; never trained on), and on the modern news ``heldout.jsonl``
  (``modern_heldout``: articles in today's words by writers whose articles the model never read). On VNTC
  twice: against the folder's section (``vntc_test``, lossy: "Chinh tri Xa hoi" and "Doi song" file education, transport, tourism...) and
  against the readers' sections (``vntc_test_readers``: the relabelled rows of those two folders,
  ``classifiers/data/corpora/vntc_sections/test_ctxh_doisong.jsonl``, and the other eight folders' sections). For provincial items also "any": the
  first section is the labelled one or one of its ``sections_also``.
- **tone**: the tone toward the province on provincial held-out items, with relevance finding the places as
  in ``process``: agreement on clear-cut items, positive/negative reversals, macro-F1 over the three tones on
  all items and on clear-cut ones, and by mention (central / passing); and on the held-out writers' modern
  articles (``modern_heldout``), each read toward its labelled place.
- **modern_heldout_english**: sections and tone on the same held-out modern articles translated into English
  (``heldout_en.jsonl``: foreign press about a province, which only the multilingual semantic heads read).
- **modern_heldout_everyday**: sections and tone on the everyday run of provincial news (leaders' working visits,
  council sessions, border work, disbursement reports...) by two more held-out writers (``heldout_everyday.jsonl``).
- **teasers**: sections and tone on the held-out modern and provincial items cut to what a feed's teaser or a post
  gives, the title and the first sentence (``topic_data.teaser_end``; tone only where that part still names the
  place, as relevance would require).
- **stories**: held-out items go through the story clusterer in publication order, in a fresh home's store;
  pairwise precision/recall/F1 over ``story_pairs.jsonl`` (same-story pairs, template twins, same-section
  neighbours within 3 days) and BCubed precision/recall over all held-out items. Then the same on
  ``story_pairs_real`` (``real_rewrites``): real VNTC articles, hand-written retellings by other outlets, and other
  events of the same kind within 3 days.
- **real**: real news (VNTC) naming one of the four provinces, labelled by a careful reader
  (``corpora/real_items``, held out): relevance as matched (namesakes found or not), tone toward the province on
  the rows about it (clear-cut, all, central), and the first topic's section per article (all, and the
  articles of the VNTC 20% split apart: the section model trained on the others with their folder's section).

Caveat printed with every figure: the provincial items are synthetic and short (median ~110 syllables of lead
and body), written by one author; VNTC is real news of 2007 whose ten folders map to sections lossily.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifiers import DATA_DIR
from classifiers.training.tone_data import MIN_SCORES, TONE_LABEL, agreement
from classifiers.training.topic_data import (
    MODERN_NEWS,
    PROVINCE_ITEMS,
    RELABELLED_FOLDERS,
    item_of,
    labelled_article,
    province_rows,
    read_rows,
    vntc_split,
)
from pipeline.core.console import CommandError

# The held-out modern articles translated into English, labels unchanged: foreign press about a province
# (corpora/modern_news/README.md).
ENGLISH = "heldout_en"
# Two held-out writers of the everyday run of provincial news (corpora/modern_news/README.md, fourth batch).
EVERYDAY = "heldout_everyday"
CAVEAT = ("provincial items: synthetic, short (median ~110 syllables), one author; VNTC: real news (2007), "
          "10 folders mapped to sections lossily")
REAL_ITEMS = DATA_DIR / "corpora" / "real_items"
REAL_CAVEAT = ("real news of 2003-2007 (VNTC), one careful reader, 157 rows of 136 articles; mostly passing "
               "mentions: 28 rows carry a positive or negative tone, so tone figures move several points per item")


def _home(root: Path, province: str) -> Any:
    from pipeline.core.home import Home

    return Home.init(root / province, province)


def _first_section(topics: list[dict[str, Any]]) -> str | None:
    return topics[0]["sections"][0] if topics and topics[0].get("sections") else None


def _by_label(truth: list[str], ok: list[bool]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for label, hit in zip(truth, ok, strict=True):
        groups[label].append(hit)
    return {label: {"n": len(v), "accuracy": round(sum(v) / len(v), 3)} for label, v in sorted(groups.items())}


class _Runner:
    """The classifier stages of one province's home, run on items without storing them."""

    def __init__(self, root: Path, province: str):
        from classifiers.stages import build_stages
        from pipeline.core.relevance import RelevanceMatcher

        self.home = _home(root, province)
        self.store = self.home.open_store()
        self.stages = {stage.name: stage for stage in build_stages(self.home, self.store)}
        self.relevance = RelevanceMatcher(self.home.profile, self.home.settings.get_int("relevance.context_window"))

    def prepare(self, row: dict[str, Any], forced: bool = True) -> dict[str, Any]:
        """The row as a pipeline item; ``forced``: relevant whatever the matcher says (a reader labelled every
        provincial item as about its province), else relevant as matched, as ``diemtin classify`` does."""
        from pipeline.core.text import normalize

        item = item_of(row)
        item["title"] = normalize(item["title"], keep_newlines=False)
        item["text"] = normalize(item["text"])
        item["lead"] = normalize(item["lead"])
        match = self.relevance.match(item["title"], item["text"], normalized=True)
        item.update(places=match.places, relevant=forced or match.relevant, relevance_found=match.relevant,
                    duplicate_of=None)
        return item

    def run(self, items: list[dict[str, Any]], names: tuple[str, ...]) -> None:
        for name in names:
            self.stages[name](items, self.store)

    def close(self) -> None:
        self.store.close()


def topics(vntc: Path | None) -> dict[str, Any]:
    from classifiers.runtime.embed import embedder_from_settings
    from classifiers.stages import topic_tagger
    from pipeline.core.settings import Settings
    from pipeline.core.taxonomy import load_taxonomy

    settings = Settings()
    tagger = topic_tagger(settings, load_taxonomy(), embedder=embedder_from_settings(settings))
    out: dict[str, Any] = {"figure": "topics", "caveat": CAVEAT}
    if vntc is not None and vntc.is_file():
        _, test = vntc_split(vntc)
        started = time.perf_counter()
        tags = tagger.tag_batch([{"title": r["title"], "text": r["text"]} for r in test])
        seconds = time.perf_counter() - started
        first = [_first_section(t) for t in tags]
        folder_truth = [r["folder_label"] for r in test]
        ok = [f == label for f, label in zip(first, folder_truth, strict=True)]
        out["vntc_test"] = {"n": len(test), "accuracy": round(sum(ok) / len(ok), 4),
                            "by_section": _by_label(folder_truth, ok),
                            "by_vntc_folder": _by_label([r["vntc"] for r in test], ok),
                            "items_per_s": round(len(test) / seconds, 1)}
        # Readers' sections: relabelled rows of the two catch-all folders, the folder's section for the other
        # eight; rows of those two folders not (yet) relabelled have no known section and are left out.
        known = [k for k, r in enumerate(test) if r["relabelled"] or r["vntc"] not in RELABELLED_FOLDERS]
        relabelled = [k for k in known if test[k]["relabelled"]]
        truth = [test[k]["label"] for k in known]
        ok = [first[k] == test[k]["label"] for k in known]
        any_ok = [first[k] in test[k].get("sections", [test[k]["label"]]) for k in known]
        out["vntc_test_readers"] = {
            "n": len(known), "accuracy": round(sum(ok) / len(ok), 4),
            "accuracy_any_section": round(sum(any_ok) / len(any_ok), 4), "by_section": _by_label(truth, ok),
            "relabelled": {"n": len(relabelled),
                           "accuracy": round(sum(first[k] == test[k]["label"] for k in relabelled)
                                             / len(relabelled), 4) if relabelled else None},
            "not_relabelled_left_out": sum(1 for r in test if r["vntc"] in RELABELLED_FOLDERS and not r["relabelled"])}
    out["province_heldout"] = _sections_of(tagger, province_rows("heldout"))
    out["modern_heldout"] = _sections_of(tagger, province_rows("heldout", MODERN_NEWS))
    out["modern_heldout_english"] = _sections_of(tagger, province_rows(ENGLISH, MODERN_NEWS))
    out["modern_heldout_everyday"] = _sections_of(tagger, province_rows(EVERYDAY, MODERN_NEWS))
    out["teasers"] = {"modern_heldout": _sections_of(tagger, _teasers(province_rows("heldout", MODERN_NEWS))),
                      "province_heldout": _sections_of(tagger, _teasers(province_rows("heldout")))}
    return out


def _teasers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Held-out rows cut to their title and first sentence (their ``text`` begins with the lead)."""
    from classifiers.training.topic_data import teaser

    cut = [teaser(row["text"]) for row in rows]
    return [{**row, "text": text, "lead": text} for row, text in zip(rows, cut, strict=True)]


def _sections_of(tagger: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The first topic's section against the labelled one (and its ``sections_also``) on held-out rows."""
    tags = tagger.tag_batch([item_of(r) for r in rows])
    first = [_first_section(t) for t in tags]
    truth = [r["label"] for r in rows]
    ok = [f == label for f, label in zip(first, truth, strict=True)]
    any_ok = [f in r["sections"] for f, r in zip(first, rows, strict=True)]
    return {"n": len(rows), "accuracy": round(sum(ok) / len(ok), 4),
            "accuracy_any_section": round(sum(any_ok) / len(any_ok), 4), "by_section": _by_label(truth, ok),
            "topics_per_item": round(sum(len(t) for t in tags) / len(tags), 2)}


def tone(root: Path) -> dict[str, Any]:
    from classifiers.training.tone_data import modern_tone_items, province_tone_items, teaser_copies

    rows = province_rows("heldout")
    by_province: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_province[row["province"]].append(row)
    predicted: dict[str, dict[str, Any]] = {}
    for province, group in sorted(by_province.items()):
        runner = _Runner(root, province)
        try:
            items = [runner.prepare(r) for r in group]
            runner.run(items, ("topics", "tone"))
            predicted.update({i["id"]: i["tone"] for i in items})
        finally:
            runner.close()
    truth = [TONE_LABEL[r["tone"]] for r in rows]
    guess = [predicted[r["id"]]["label"] for r in rows]
    clear = [k for k, r in enumerate(rows) if r["clear_cut"]]

    def summary(index: list[int]) -> dict[str, Any]:
        return _tone_summary(truth, guess, index)

    positives = [k for k in range(len(rows)) if guess[k] == "tich_cuc"]
    return {"figure": "tone", "caveat": CAVEAT, "modern_heldout": _modern_tone("heldout"),
            "modern_heldout_english": _modern_tone(ENGLISH), "modern_heldout_everyday": _modern_tone(EVERYDAY),
            "teasers": {"modern_heldout": _tone_of(teaser_copies(modern_tone_items("heldout"))),
                        "province_heldout": _tone_of(teaser_copies(province_tone_items("heldout")))},
            "clear_cut": summary(clear), "all": summary(list(range(len(rows)))),
            "central": summary([k for k, r in enumerate(rows) if r["mention"] == "central"]),
            "passing": summary([k for k, r in enumerate(rows) if r["mention"] == "passing"]),
            "positive_precision_by_min_score": {
                str(t): _precision([k for k in positives if predicted[rows[k]["id"]]["score"] >= t], truth, "tich_cuc")
                for t in MIN_SCORES}}


def _modern_tone(split: str) -> dict[str, Any]:
    """Tone on the held-out writers' modern articles (``split``: as written, or their English translation), the
    shipped model, head and guard reading each toward its own labelled place (found by name: any of the 34
    provinces, not only the four profiles)."""
    from classifiers.training.tone_data import modern_tone_items

    return _tone_of(modern_tone_items(split))


def _tone_of(data: list[dict[str, Any]]) -> dict[str, Any]:
    """The shipped model, head and guard reading each datum's item toward its own place (``tone_data``'s items)."""
    from classifiers.runtime.embed import embedder_from_settings
    from classifiers.runtime.tone import ToneClassifier
    from classifiers.stages import tone_classifier
    from pipeline.core.settings import Settings

    settings = Settings()
    embedder = embedder_from_settings(settings)
    classifiers: dict[tuple[str, ...], ToneClassifier] = {}
    for d in data:
        if d["others"] not in classifiers:
            classifiers[d["others"]] = tone_classifier(settings, d["others"], embedder=embedder)
    truth = [d["label"] for d in data]
    guess = [classifiers[d["others"]].classify(d["item"])["label"] for d in data]
    return {"clear_cut": _tone_summary(truth, guess, [k for k, d in enumerate(data) if d["clear_cut"]]),
            "all": _tone_summary(truth, guess, list(range(len(data))))}


def _precision(index: list[int], truth: list[str], label: str) -> dict[str, Any]:
    return {"n": len(index), "precision": round(sum(truth[k] == label for k in index) / len(index), 3) if index else None}


REAL_PAIRS = PROVINCE_ITEMS.parent / "story_pairs_real"
# The home the real articles stream through: national news, so the province barely matters (few places match).
REAL_PROVINCE = "bac-ninh"


def _stream(root: Path, rows: list[dict[str, Any]], tag: str = "") -> dict[str, str]:
    """Each row through the near-duplicate and story stages of its province's fresh home, one at a time in
    publication order, as a stream arrives: the story each item was put in."""
    by_province: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r["published_at"], r["id"])):
        by_province[row["province"]].append(row)
    cluster_of: dict[str, str] = {}
    for province, group in sorted(by_province.items()):
        runner = _Runner(root / f"stories{tag}", province)
        try:
            for item in [runner.prepare(r) for r in group]:
                runner.run([item], ("near_duplicates", "clusters"))
                runner.store.upsert_items([item])
                runner.store.refresh()
                cluster_of[item["id"]] = item.get("cluster_id") or item["id"]
        finally:
            runner.close()
    return cluster_of


def _scores(pairs: list[dict[str, Any]], story: dict[str, str], cluster_of: dict[str, str]) -> dict[str, Any]:
    """Pairwise precision/recall/F1 over the labelled pairs and BCubed over every item of ``story``."""
    together = [cluster_of[p["a"]] == cluster_of[p["b"]] for p in pairs]
    tp = sum(1 for p, t in zip(pairs, together, strict=True) if p["same_story"] and t)
    fp = sum(1 for p, t in zip(pairs, together, strict=True) if not p["same_story"] and t)
    fn = sum(1 for p, t in zip(pairs, together, strict=True) if p["same_story"] and not t)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    b_p, b_r = _bcubed(story, cluster_of)
    return {"pairwise": {"precision": round(precision, 4), "recall": round(recall, 4),
                         "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
                         "tp": tp, "fp": fp, "fn": fn},
            "bcubed": {"precision": round(b_p, 4), "recall": round(b_r, 4),
                       "f1": round(2 * b_p * b_r / (b_p + b_r), 4) if b_p + b_r else 0.0},
            "stories_true": len(set(story.values())), "stories_found": len({cluster_of[i] for i in story})}


def real_rows(folder: Path = REAL_PAIRS) -> list[dict[str, Any]]:
    """story_pairs_real's items as rows of one home (see its README)."""
    return [{**r, "province": REAL_PROVINCE} for r in read_rows(folder / "items.jsonl")]


def stories(root: Path) -> dict[str, Any]:
    rows = province_rows("heldout")
    started = time.perf_counter()
    cluster_of = _stream(root, rows)
    seconds = time.perf_counter() - started
    pairs = list(read_rows(PROVINCE_ITEMS / "story_pairs.jsonl"))
    out = _scores(pairs, {r["id"]: r["story_id"] for r in rows}, cluster_of)
    twins = [p for p in pairs if p["reason"] == "template_twin"]
    out["pairwise"].update(template_twins_merged=sum(1 for p in twins if cluster_of[p["a"]] == cluster_of[p["b"]]),
                           template_twins=len(twins))
    result = {"figure": "stories", "caveat": CAVEAT, "n_items": len(rows), "pairs": len(pairs), **out,
              "items_per_s": round(len(rows) / seconds, 1)}
    if (REAL_PAIRS / "items.jsonl").is_file():
        real = real_rows()
        real_pairs = list(read_rows(REAL_PAIRS / "pairs.jsonl"))
        clusters = _stream(root, real, "-real")
        result["real_rewrites"] = {
            "caveat": "56 real VNTC articles (test split) and 62 hand-written rewrites by other outlets (synthetic "
                      "retellings, one author); hard negatives are other events of one kind within 3 days",
            "n_items": len(real), "pairs": len(real_pairs),
            "same_story_pairs": sum(p["same_story"] for p in real_pairs),
            **_scores(real_pairs, {r["id"]: r["story_id"] for r in real}, clusters)}
    return result


def _bcubed(truth: dict[str, str], found: dict[str, str]) -> tuple[float, float]:
    by_truth: dict[str, set[str]] = defaultdict(set)
    by_found: dict[str, set[str]] = defaultdict(set)
    for item, label in truth.items():
        by_truth[label].add(item)
        by_found[found[item]].add(item)
    precision = recall = 0.0
    for item in truth:
        mine, ours = by_found[found[item]], by_truth[truth[item]]
        both = len(mine & ours)
        precision += both / len(mine)
        recall += both / len(ours)
    return precision / len(truth), recall / len(truth)


def run(which: list[str], vntc: Path | None) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if "topics" in which:
            yield topics(vntc)
        if "tone" in which:
            yield tone(root)
        if "stories" in which:
            yield stories(root)
        if "real" in which:
            yield real(root, vntc)


def real(root: Path, vntc: Path | None) -> dict[str, Any]:
    """Real news (VNTC, 2005-2007) naming one of the four provinces, labelled by a careful reader
    (``corpora/real_items``): tone toward the province and the section, as ``diemtin classify --json`` gives
    them (relevance as matched, not forced); each article counted once for its section."""
    out: dict[str, Any] = {"figure": "real_items", "caveat": REAL_CAVEAT}
    if vntc is None or not vntc.is_file():
        return {**out, "skipped": f"VNTC not found at {vntc}"}
    labels = list(read_rows(REAL_ITEMS / "heldout.jsonl"))
    wanted = {r["vntc_row"] for r in labels}
    texts = {k: row for k, row in enumerate(read_rows(vntc)) if k in wanted}
    by_province: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in labels:
        try:
            article = labelled_article(r, texts.get(r["vntc_row"]), "real_items", vntc)
        except ValueError as exc:
            raise CommandError(f"real_items, dòng {r['cand']}: dòng {r['vntc_row']} của {vntc} là một bài khác "
                               "(không phải bản VNTC đã gán nhãn)") from exc
        by_province[r["province"]].append({**r, "id": f"real-{r['cand']}", "title": article.get("title") or "",
                                           "text": article.get("text") or "", "lead": ""})
    found: dict[int, dict[str, Any]] = {}
    for province, group in sorted(by_province.items()):
        runner = _Runner(root, province)
        try:
            items = [runner.prepare(r, forced=False) for r in group]
            runner.run(items, ("topics", "tone"))
            found.update({r["cand"]: item for r, item in zip(group, items, strict=True)})
        finally:
            runner.close()
    about = [r for r in labels if r["about_province"]]
    truth = [TONE_LABEL[r["tone"]] for r in about]
    guess = [(found[r["cand"]].get("tone") or {}).get("label") or "trung_lap" for r in about]
    index = range(len(about))
    articles = list({r["vntc_row"]: r for r in about}.values())
    first = {r["vntc_row"]: _first_section(found[r["cand"]].get("topics") or []) for r in articles}

    def sections(rows: list[dict[str, Any]]) -> dict[str, Any]:
        ok = [first[r["vntc_row"]] == r["section"] for r in rows]
        any_ok = [first[r["vntc_row"]] in (r["section"], *r.get("sections_also", [])) for r in rows]
        return {"n": len(rows), "accuracy": round(sum(ok) / len(ok), 4) if ok else None,
                "accuracy_any_section": round(sum(any_ok) / len(any_ok), 4) if ok else None,
                "by_section": _by_label([r["section"] for r in rows], ok)}

    namesakes = [r for r in labels if not r["about_province"]]
    return {**out, "rows": len(labels),
            "relevance": {"about_province_found": sum(bool(found[r["cand"]]["relevant"]) for r in about),
                          "about_province": len(about),
                          "namesakes_called_relevant": sum(bool(found[r["cand"]]["relevant"]) for r in namesakes),
                          "namesakes": len(namesakes)},
            "tone_clear_cut": _tone_summary(truth, guess, [k for k in index if about[k]["clear_cut"]]),
            "tone_all": _tone_summary(truth, guess, list(index)),
            "tone_central": _tone_summary(truth, guess, [k for k in index if about[k]["mention"] == "central"]),
            "section_articles": sections(articles),
            "section_articles_vntc_test_split": sections([r for r in articles if r["in_vntc_test_split"]])}


def _tone_summary(truth: list[str], guess: list[str], index: list[int]) -> dict[str, Any]:
    t, g = [truth[k] for k in index], [guess[k] for k in index]
    if not index:
        return {"n": 0}
    confusion = Counter(zip(t, g, strict=True))
    return {**agreement(t, g), "confusion": {f"{a}->{b}": c for (a, b), c in sorted(confusion.items())}}
