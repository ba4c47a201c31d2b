"""Labelled rows for the section (topic) model and for the benchmarks: VNTC news mapped to sections, and the
project's provincial items.

- VNTC (``../shared/data/train/vntc_train.jsonl``, MIT; Hoang et al. 2007): real Vietnamese news, 10 newsroom
  folders. Each folder maps to one section of ``pipeline/core/vocabulary.yaml``; the map is lossy (VNTC has no
  desk for defence, transport, environment, tourism, agriculture or education: its "Chính trị - Xã hội" folder
  files much of that). The rows are split 80/20 by a stratified split with a fixed seed; the shipped model
  trains on the 80% only, so the 20% stays a fair measure of it.
- ``classifiers/data/corpora/vntc_sections`` (MIT, labels only): readers' sections for the rows of those two
  folders ("Chinh tri Xa hoi", "Doi song"), the desk a newspaper would file each under (education, transport,
  tourism... instead of "politics" or "society"). Rows point into VNTC by line index (``vntc_row``) and carry
  the title, so a different VNTC file is refused rather than mislabelled. A relabelled row's ``label`` is the
  reader's section (``sections`` adds ``sections_also``); the folder's section stays in ``folder_label``.
- ``classifiers/data/corpora/province_items`` (MIT, written for the project, synthetic): 554 training and 389
  held-out provincial items with their section, tone and story. Only ``train.jsonl`` is ever trained on.
- ``classifiers/data/corpora/modern_news`` (MIT, written for the project, synthetic): news articles in the words
  of 2020-2026 (VNTC is 2005-2007), weighted to the sections VNTC has no folder for; twelve writers' articles
  train, two other writers' are held out. Same row shape as the provincial items.

Rows are ``{"title", "text", "label", ...}`` in the contract of :mod:`classifiers.training.learn`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifiers import DATA_DIR

VNTC_FOLDER_SECTIONS = {
    "Chinh tri Xa hoi": "chinh_tri",
    "Doi song": "xa_hoi",
    "Khoa hoc": "khoa_hoc_cong_nghe",
    "Kinh doanh": "kinh_te",
    "Phap luat": "phap_luat",
    "Suc khoe": "y_te",
    "The gioi": "the_gioi",
    "The thao": "the_thao",
    "Van hoa": "van_hoa",
    "Vi tinh": "khoa_hoc_cong_nghe",
}
VNTC_SEED = 0
VNTC_TEST_SHARE = 0.2
PROVINCE_ITEMS = DATA_DIR / "corpora" / "province_items"
# Modern news written for the project (2020-2026 vocabulary, every section), by writer: ``train.jsonl`` and a
# held-out writer's ``heldout.jsonl``.
MODERN_NEWS = DATA_DIR / "corpora" / "modern_news"
VNTC_SECTIONS = DATA_DIR / "corpora" / "vntc_sections"
# The readers' labels of the two folders VNTC files everything else under: 80% split (training), 20% (test).
RELABEL_TRAIN = ("ctxh_train.jsonl", "doisong_train.jsonl")
RELABEL_TEST = ("test_ctxh_doisong.jsonl",)
RELABELLED_FOLDERS = ("Chinh tri Xa hoi", "Doi song")


def shared_train_dir() -> Path:
    """``shared/data/train`` next to the repository or one of the folders above it (a checkout may sit in a
    worktree folder); the first that exists, else the one next to the repository."""
    repo = Path(__file__).resolve().parents[2]
    for folder in repo.parents:
        candidate = folder / "shared" / "data" / "train"
        if candidate.is_dir():
            return candidate
    return repo.parent / "shared" / "data" / "train"
# Characters of an article's body a section model reads: the title and first paragraphs say what it is about,
# and a cap keeps long articles' cost bounded (and their boilerplate out).
BODY_CHARS = 2000
# A feed's teaser or a post gives an article's title and its first sentence, at most this many characters.
TEASER_CHARS = 300
# A sentence ends at a stop followed by a space (or the end), or at a line break: the dot of "TP.HCM", "1.000"
# or "VOV.VN" ends nothing.
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")


def teaser_end(text: str) -> int:
    """Where the first sentence of ``text`` ends (at most ``TEASER_CHARS`` characters in): ``text[:end]`` is what a
    feed's teaser or a post gives of the article; offsets found in ``text`` stay valid in it."""
    start = len(text) - len(text.lstrip())
    stop = _SENTENCE_END.search(text, start)
    end = len(text) if stop is None else stop.start() if stop.group() == "\n" else stop.end()
    return min(end, start + TEASER_CHARS)


def teaser(text: str) -> str:
    """What a feed's teaser or a post gives of ``text``: its first sentence (:func:`teaser_end`)."""
    return text[:teaser_end(text)].strip()


def read_rows(path: str | Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def vntc_split(path: str | Path, readers: bool = True,
               folder: Path = VNTC_SECTIONS) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train 80%, test 20%) of VNTC with section labels; the VNTC folder is kept as ``vntc``, the line index as
    ``vntc_row``, the folder's section as ``folder_label``. With ``readers`` (the default), rows the readers
    relabelled (``vntc_sections``) take their section as ``label`` and are marked ``relabelled``; the others
    keep their folder's section."""
    from sklearn.model_selection import train_test_split

    rows = [{"title": r.get("title") or "", "text": (r.get("text") or "")[:BODY_CHARS],
             "label": VNTC_FOLDER_SECTIONS[r["label"]], "folder_label": VNTC_FOLDER_SECTIONS[r["label"]],
             "vntc": r["label"], "vntc_row": index, "relabelled": False}
            for index, r in enumerate(read_rows(path))]
    if readers:
        for file_name in (*RELABEL_TRAIN, *RELABEL_TEST):
            for label in relabels(folder / file_name):
                row = labelled_article(label, rows[label["vntc_row"]] if label["vntc_row"] < len(rows) else None,
                                       file_name, path)
                row.update(label=label["section"], sections=[label["section"], *label.get("sections_also", [])],
                           relabelled=True)
    train, test = train_test_split(rows, test_size=VNTC_TEST_SHARE, random_state=VNTC_SEED,
                                   stratify=[r["vntc"] for r in rows])
    return train, test


def labelled_article(label: dict[str, Any], row: dict[str, Any] | None, where: str,
                     vntc: str | Path) -> dict[str, Any]:
    """The VNTC row a label points at by line (``vntc_row``), refused unless it is there with the label's title:
    labels made on one VNTC file must not mislabel another."""
    if row is None or (label.get("title") and label["title"].strip() != (row.get("title") or "").strip()):
        raise ValueError(f"{where}: row {label['vntc_row']} is not the relabelled article "
                         f"({label.get('title')!r}); is {vntc} the VNTC file of the labels?")
    return row


def relabels(path: Path) -> list[dict[str, Any]]:
    """Readers' labels of one ``vntc_sections`` file (missing file: none yet)."""
    return list(read_rows(path)) if path.is_file() else []


def province_rows(split: str, folder: Path = PROVINCE_ITEMS) -> list[dict[str, Any]]:
    """Provincial items of ``split`` ("train" or "heldout") as rows; ``text`` is the lead and the body."""
    out = []
    for r in read_rows(folder / f"{split}.jsonl"):
        out.append({**r, "text": f"{r['lead']}\n\n{r['text']}", "label": r["section"],
                    "sections": [r["section"], *r.get("sections_also", [])]})
    return out


def english_headlines(folder: Path) -> dict[str, dict[str, Any]]:
    """The English translations of the title and lead of ``folder``'s training rows (``train_en.jsonl``), by row
    id, as items the semantic heads read (``lang`` "en"): foreign press reports the province's news in English,
    and the heads, which alone read an item in another language, learn it from these beside the Vietnamese."""
    return {r["id"]: {"title": r["title"], "text": r["lead"] or r["title"], "lang": "en"}
            for r in read_rows(folder / "train_en.jsonl")}


def item_of(row: dict[str, Any]) -> dict[str, Any]:
    """A province row as the pipeline's item (what ``process`` would store), before relevance."""
    from pipeline.core.language import item_language

    return {"id": row["id"], "title": row["title"], "text": row["text"], "lead": row.get("lead") or "",
            "lang": item_language(row["title"], row["text"]),
            "published_at": row.get("published_at"), "source": row.get("outlet") or "",
            "site_name": row.get("outlet") or ""}
