"""Content, never stance: a critical and a supportive account of the same event get the same flags.

The pairs are classifiers/data/corpora/stance_pairs (written for this test, never trained or tuned on): 124 events,
each told by a voice critical of the authorities and by a supportive one, with the same harm status — 86
harmless (land disputes, strikes, trials, religion, ethnic minorities...), and pairs where both spread a
fabricated claim, both call for violence (against officials / against protesters and minorities), or both run a
scam (an "independent fund" / a "state programme"). The written pairs below do the same by hand.
"""

from __future__ import annotations

import json

import pytest

from classifiers import DATA_DIR
from classifiers.runtime.flags import FlagClassifier

PAIRS = DATA_DIR / "corpora" / "stance_pairs" / "pairs.jsonl"


@pytest.fixture(scope="module")
def flags() -> FlagClassifier:
    return FlagClassifier()


def _names(found: list[dict]) -> set[str]:
    return {f["name"] for f in found}


HAND_PAIRS = [
    # (critical, supportive, expected flags of both)
    ({"title": "", "text": "Dân Phổ Yên bị ép giá đền bù quá thấp, chính quyền xã làm việc chậm chạp, thiếu minh bạch. "
                           "Chúng tôi yêu cầu công khai cách tính giá."},
     {"title": "", "text": "Chính quyền xã Phổ Yên đã đối thoại cởi mở, tiếp thu kiến nghị về giá đền bù của bà con. "
                           "Cách làm minh bạch, cầu thị."}, set()),
    ({"title": "", "text": "Phiên tòa xử blogger theo Điều 331 hôm nay là đàn áp tự do ngôn luận, bản án quá nặng."},
     {"title": "", "text": "Phiên tòa xử blogger theo Điều 331 hôm nay diễn ra đúng pháp luật, bản án thỏa đáng."},
     set()),
    ({"title": "", "text": "Bọn cán bộ tham nhũng đó phải bị đánh chết hết, anh em kéo đến tận nhà chúng nó tối nay."},
     {"title": "", "text": "Bọn phản động biểu tình đó phải bị đánh chết hết, anh em kéo đến tận nhà chúng nó tối nay."},
     {"incitement"}),
]


@pytest.mark.parametrize("critical, supportive, expected", HAND_PAIRS)
def test_written_pairs_get_the_same_flags(flags, critical, supportive, expected):
    assert _names(flags.flag(critical)) == expected
    assert _names(flags.flag(supportive)) == expected


def test_stance_pairs_get_the_same_flags_and_no_side_is_flagged_more(flags):
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    critical = flags.flag_batch([dict(p["critical"]) for p in pairs])
    supportive = flags.flag_batch([dict(p["supportive"]) for p in pairs])
    same = sum(_names(c) == _names(s) for c, s in zip(critical, supportive, strict=True)) / len(pairs)
    critical_only = sum(len(_names(c) - _names(s)) for c, s in zip(critical, supportive, strict=True))
    supportive_only = sum(len(_names(s) - _names(c)) for c, s in zip(critical, supportive, strict=True))
    harmless = [i for i, p in enumerate(pairs) if not p["expected_flags"]]
    flagged_harmless_critical = sum(bool(critical[i]) for i in harmless)
    flagged_harmless_supportive = sum(bool(supportive[i]) for i in harmless)
    assert same >= 0.85, same
    # Disagreements do not lean to one side.
    assert abs(critical_only - supportive_only) <= 4, (critical_only, supportive_only)
    assert abs(flagged_harmless_critical - flagged_harmless_supportive) <= 3
    # Criticism is not harm: harsh critical accounts of harmless events are rarely flagged.
    assert flagged_harmless_critical <= 0.1 * len(harmless)
