"""Readers' sections for VNTC's catch-all folders replace the folder's section, and labels that do not meet the
VNTC file they point into are refused rather than applied to the wrong article."""

from __future__ import annotations

import json

import pytest

from classifiers.training.topic_data import VNTC_FOLDER_SECTIONS, VNTC_SECTIONS, relabels, vntc_split

FOLDERS = list(VNTC_FOLDER_SECTIONS)


def _vntc(tmp_path):
    rows = [{"title": f"Bài {n} của {folder}", "text": "nội dung", "label": folder}
            for folder in FOLDERS for n in range(10)]
    path = tmp_path / "vntc.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path, rows


def _labels(folder, rows):
    folder.mkdir()
    (folder / "ctxh_train.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                             encoding="utf-8")
    return folder


def test_relabelled_rows_take_the_readers_section_and_keep_the_folders(tmp_path):
    path, rows = _vntc(tmp_path)
    index = next(i for i, r in enumerate(rows) if r["label"] == "Chinh tri Xa hoi")
    folder = _labels(tmp_path / "labels", [{"vntc_row": index, "title": rows[index]["title"], "section": "giao_duc",
                                           "sections_also": ["xa_hoi"]}])
    train, test = vntc_split(path, folder=folder)
    assert len(train) + len(test) == len(rows)
    row = next(r for r in train + test if r["vntc_row"] == index)
    assert (row["label"], row["folder_label"], row["relabelled"]) == ("giao_duc", "chinh_tri", True)
    assert row["sections"] == ["giao_duc", "xa_hoi"]
    others = [r for r in train + test if r["vntc_row"] != index]
    assert all(r["label"] == r["folder_label"] == VNTC_FOLDER_SECTIONS[r["vntc"]] and not r["relabelled"] for r in others)
    plain, _ = vntc_split(path, readers=False, folder=folder)
    assert all(r["label"] == r["folder_label"] for r in plain)


def test_labels_pointing_at_another_article_are_refused(tmp_path):
    path, rows = _vntc(tmp_path)
    folder = _labels(tmp_path / "labels", [{"vntc_row": 0, "title": "Một bài khác", "section": "giao_duc"}])
    with pytest.raises(ValueError, match="row 0"):
        vntc_split(path, folder=folder)


def test_the_shipped_labels_point_at_the_two_catch_all_folders_with_known_sections():
    from pipeline.core import vocabulary

    train = relabels(VNTC_SECTIONS / "ctxh_train.jsonl") + relabels(VNTC_SECTIONS / "doisong_train.jsonl")
    test = relabels(VNTC_SECTIONS / "test_ctxh_doisong.jsonl")
    assert len(train) > 500 and len(test) > 100
    rows = {r["vntc_row"] for r in train}
    assert not rows & {r["vntc_row"] for r in test}
    assert all(r["section"] in vocabulary.codes("sections") and r["title"] for r in train + test)


def test_modern_news_trains_the_section_and_tone_models_on_some_writers_and_holds_another_out():
    """The section model's rows hold every modern training article and no held-out one (a held-out writer
    measures it); every row names a known section; the tone model reads the articles that name their place,
    each toward that place."""
    from collections import Counter

    from classifiers.training.ship import MODERN_REPEAT, topic_rows
    from classifiers.training.tone_data import modern_tone_items
    from classifiers.training.topic_data import MODERN_NEWS, province_rows
    from pipeline.core import vocabulary

    train = province_rows("train", MODERN_NEWS)
    held = province_rows("heldout", MODERN_NEWS) + province_rows("heldout_everyday", MODERN_NEWS)
    writers = {r["id"].rsplit("-", 1)[0] for r in train}
    assert len(train) >= 300 and len(held) >= 300 and len(writers) >= 3
    assert not writers & {r["id"].rsplit("-", 1)[0] for r in held}
    assert {r["label"] for r in train + held} <= set(vocabulary.codes("sections"))
    titles = Counter(r["title"] for r in topic_rows(None))
    assert all(titles[r["title"]] >= MODERN_REPEAT for r in train)
    assert not {r["title"] for r in held} & set(titles)
    tone = modern_tone_items("train")
    assert len(tone) > 0.7 * sum(1 for r in train if r["province"])
    assert all(d["item"]["places"] and d["source"] == "modern_news" for d in tone)


def test_the_section_model_also_learns_each_row_as_a_short_item():
    """Feeds' teasers and posts give a title and a sentence: each distinct training row also comes as one."""
    from classifiers.training.ship import headline_copies, topic_rows
    from classifiers.training.topic_data import TEASER_CHARS

    full = topic_rows(None, headlines=False)
    rows = topic_rows(None)
    assert rows[:len(full)] == full
    copies = rows[len(full):]
    assert len(copies) == len({(r["title"], r["text"], r["label"]) for r in full}) < len(full)
    distinct = list({(r["title"], r["text"], r["label"]): r for r in full}.values())[:50]
    for original, copy in zip(distinct, headline_copies(distinct), strict=True):
        assert copy["title"] == original["title"] and copy["label"] == original["label"]
    for copy in copies:
        assert 0 < len(copy["text"]) <= TEASER_CHARS and "\n" not in copy["text"]
    row = {"title": "T", "text": "Câu đầu tiên. Câu thứ hai!\n\nĐoạn sau.", "label": "xa_hoi"}
    assert headline_copies([row, row]) == [{"title": "T", "text": "Câu đầu tiên.", "label": "xa_hoi"}]
    # The dots of names and numbers end no sentence; a line break does.
    for text, first in (("VOV.VN - TP.HCM có 1.000 ca mắc mới... Ngày mai mưa.", "VOV.VN - TP.HCM có 1.000 ca mắc mới..."),
                        ("\n Dòng tít phụ\nThân bài.", "Dòng tít phụ"), ("Không có dấu chấm", "Không có dấu chấm")):
        assert headline_copies([{**row, "text": text}])[0]["text"] == first
