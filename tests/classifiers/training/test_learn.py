"""Trainable text classifiers: training, the eval JSON contract, bad lines, held-out data, replacement, evidence.

Data: small public samples in tests/fixtures/learn (VNTC news and ViHOS comments, MIT; see its README).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifiers.training.learn import (
    TrainingError,
    evaluate,
    holdout_split,
    load_model,
    read_jsonl,
    row_key,
    train_model,
)
from classifiers.training.registry import current_version, labelled_rows, retrain, task_dir
from pipeline.core.settings import Settings
from pipeline.core.store import open_store
from tests.conftest import json_lines

FIXTURES = Path(__file__).parent / "fixtures"

# New texts (not in the samples), written as the press writes them: two sports reports, two health reports.
SPORT_1 = {"title": "Đội tuyển Việt Nam thắng đậm Lào", "text": "Đội tuyển bóng đá Việt Nam thắng 4-0 trước Lào "
           "ở vòng bảng AFF Cup. Huấn luyện viên khen các cầu thủ tiền đạo ghi bàn đẹp trên sân Mỹ Đình."}
SPORT_2 = {"title": "Câu lạc bộ Hà Nội vô địch V-League", "text": "Các cầu thủ Hà Nội giành chức vô địch giải "
           "bóng đá V-League sau trận hòa, huấn luyện viên và cổ động viên ăn mừng trên sân vận động."}
HEALTH_1 = {"title": "Bệnh viện cảnh báo sốt xuất huyết", "text": "Bác sĩ Bệnh viện Nhiệt đới cho biết số bệnh "
            "nhân sốt xuất huyết tăng, người bệnh cần điều trị sớm và uống thuốc theo chỉ dẫn của bác sĩ."}
HEALTH_2 = {"title": "Tiêm vắc xin cho trẻ em", "text": "Bộ Y tế khuyến cáo cha mẹ đưa trẻ đi tiêm vắc xin phòng "
            "bệnh sởi; các bác sĩ tại trạm y tế sẽ khám sức khỏe cho trẻ trước khi tiêm."}


def _rows(name: str) -> list[dict]:
    rows, problems = read_jsonl(FIXTURES / name)
    assert not problems
    return rows


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def news_rows() -> list[dict]:
    return _rows("vntc_sample.jsonl")


@pytest.fixture(scope="module")
def sport_health_model(news_rows):
    return train_model([r for r in news_rows if r["label"] in ("The thao", "Suc khoe")], "topic")


@pytest.fixture(scope="module")
def comment_model():
    return train_model(_rows("vihos_sample.jsonl"), "flag:hostile")


def test_news_topics_are_learned_from_a_small_sample_and_hold_on_unseen_articles(news_rows):
    train, held = holdout_split(news_rows, 0.25)
    assert held and {row_key(r) for r in train}.isdisjoint(row_key(r) for r in held)
    model = train_model(train, "topic")
    assert model.labels == ["Kinh doanh", "Suc khoe", "The thao"]
    metrics = evaluate(model, held)
    assert metrics["n"] == len(held)
    assert metrics["accuracy"] >= 0.8


def test_probabilities_cover_every_label_and_sum_to_one(sport_health_model):
    probas = sport_health_model.predict_proba([SPORT_1, HEALTH_1, {"text": "bóng đá"}])
    for proba in probas:
        assert set(proba) == {"Suc khoe", "The thao"}
        assert sum(proba.values()) == pytest.approx(1.0)
    assert probas[0]["The thao"] > 0.5 > probas[1]["The thao"]


def test_saved_model_loads_and_scores_identically(sport_health_model, tmp_path):
    sport_health_model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.labels == sport_health_model.labels and loaded.task == "topic"
    # Weights are kept as float16 (half the size): scores agree to 1e-4.
    for got, want in zip(loaded.predict_proba([SPORT_2, HEALTH_2]), sport_health_model.predict_proba([SPORT_2, HEALTH_2]),
                         strict=True):
        assert got == pytest.approx(want, abs=1e-4)
    assert not list((tmp_path / "m").glob("*.joblib")) and not list((tmp_path / "m").glob("*.pkl"))  # no pickle


def test_eval_prints_the_json_contract_with_hand_computed_figures(sport_health_model, tmp_path, cli):
    sport_health_model.save(tmp_path / "m")
    # HEALTH_2 is labelled "The thao" on purpose: the model says Suc khoe, so one error out of four.
    test = [{**SPORT_1, "label": "The thao"}, {**SPORT_2, "label": "The thao"}, {**HEALTH_1, "label": "Suc khoe"},
            {**HEALTH_2, "label": "The thao"}]
    assert sport_health_model.predict(test) == ["The thao", "The thao", "Suc khoe", "Suc khoe"]
    result = cli("classifier", "eval", "--model", str(tmp_path / "m"), "--test",
                 str(_write_jsonl(tmp_path / "test.jsonl", test)), "--positive", "The thao")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["n"] == 4
    assert out["accuracy"] == pytest.approx(3 / 4)
    # The thao: predicted twice, both right (P=1); 2 of its 3 rows found (R=2/3); F1=0.8.
    # Suc khoe: predicted twice, one right (P=0.5); its one row found (R=1); F1=2/3.
    assert out["per_class"]["The thao"] == pytest.approx({"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3})
    assert out["per_class"]["Suc khoe"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    assert out["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    # ROC AUC for "The thao": its three rows against HEALTH_1; both sports rows outrank it, HEALTH_2 may or not.
    p = sport_health_model.predict_proba([HEALTH_1, HEALTH_2])
    assert out["roc_auc"] == pytest.approx((2 + (p[1]["The thao"] > p[0]["The thao"])) / 3)
    assert out["items_per_s"] > 0


def test_roc_auc_is_null_for_a_task_with_more_than_two_labels(news_rows, tmp_path):
    model = train_model(news_rows[:45], "topic")
    metrics = evaluate(model, [{**SPORT_1, "label": "The thao"}, {**HEALTH_1, "label": "Suc khoe"}])
    assert len(model.labels) == 3 and metrics["roc_auc"] is None


def test_bad_lines_are_reported_with_their_number_and_skipped(news_rows, tmp_path, cli):
    good = [r for r in news_rows if r["label"] in ("The thao", "Suc khoe")][:20]
    lines = [json.dumps(r, ensure_ascii=False) for r in good]
    lines.insert(2, '{"text": "thiếu dấu ngoặc"')  # line 3: broken JSON
    lines.insert(4, json.dumps({"text": "Không có nhãn"}, ensure_ascii=False))  # line 5: no label
    lines.insert(6, json.dumps({"title": "", "text": "   ", "label": "The thao"}))  # line 7: no text
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("classifier", "train", "--task", "topic", "--train", str(path), "--out", str(tmp_path / "m"))
    assert "dòng 3:" in result.stderr and "dòng 5:" in result.stderr and "dòng 7:" in result.stderr
    assert "dòng 1:" not in result.stderr and "dòng 2:" not in result.stderr
    assert json_lines(result.stdout)[-1]["n_train"] == 20
    assert load_model(tmp_path / "m").meta["n_train"] == 20


def test_eval_leaves_out_rows_the_model_trained_on(news_rows, tmp_path, cli):
    train = [r for r in news_rows if r["label"] in ("The thao", "Suc khoe")]
    dev = [{**SPORT_1, "label": "The thao"}, {**HEALTH_1, "label": "Suc khoe"}]
    # A training row also given as dev data, in another tone-mark style and case, is still a training row.
    copy = {**train[0], "text": train[0]["text"].upper()}
    result = cli("classifier", "train", "--task", "topic", "--train", str(_write_jsonl(tmp_path / "t.jsonl", train)),
                 "--dev", str(_write_jsonl(tmp_path / "d.jsonl", [*dev, copy])), "--out", str(tmp_path / "m"))
    summary = json_lines(result.stdout)[-1]
    assert summary["dev_overlap_removed"] == 1 and summary["metrics"]["n"] == 2
    out = cli("classifier", "eval", "--model", str(tmp_path / "m"), "--test",
              str(_write_jsonl(tmp_path / "e.jsonl", [*dev, *train[:5]])))
    metrics = json.loads(out.stdout.strip().splitlines()[-1])
    assert metrics["n"] == 2 and metrics["excluded_training_rows"] == 5


def test_one_label_only_is_refused_with_a_clear_error(news_rows):
    with pytest.raises(TrainingError, match="hai nhãn"):
        train_model([r for r in news_rows if r["label"] == "The thao"], "topic")


def test_explain_points_at_words_of_the_comment(comment_model):
    row = {"text": "Đm thằng ngu này nói như chó sủa, cút đi"}
    proba = comment_model.predict_proba([row])[0]
    assert proba["offensive"] > 0.5
    evidence = comment_model.explain(row, "offensive", k=5)
    assert 0 < len(evidence) <= 5
    weights = [e["weight"] for e in evidence]
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    for entry in evidence:
        assert entry["field"] == "text"
        assert row["text"][entry["start"]:entry["end"]] == entry["text"]
    found = {e["text"].lower() for e in evidence}
    assert found & {"đm", "ngu", "chó", "cút", "thằng"}


def test_explain_finds_evidence_in_the_title_of_an_article(sport_health_model):
    evidence = sport_health_model.explain(SPORT_1, "The thao", k=8)
    assert any(e["field"] == "title" for e in evidence)
    for entry in evidence:
        for field, start, end in entry["spans"]:
            assert SPORT_1[field][start:end].lower().startswith(entry["text"].lower().split()[0])


@pytest.fixture
def store(tmp_path):
    with open_store("embedded", tmp_path / "home", Settings()) as opened:
        yield opened


def test_retraining_uses_analysts_labels_and_keeps_held_out_rows_out_of_training(store, news_rows, tmp_path):
    items, labels = [], []
    for index, row in enumerate(news_rows):
        items.append({"id": f"item{index}", "url": f"https://example.vn/{index}", "title": row["title"],
                      "text": row["text"]})
        labels.append({"id": f"label{index}", "item_id": f"item{index}", "task": "topic", "label": row["label"],
                       "actor": "analyst", "at": "2026-11-20T08:00:00Z"})
    store.upsert_items(items)
    for label in labels:
        store.put_record("labels", label["id"], label)
    # A later decision on the same item wins.
    store.put_record("labels", "late", {**labels[0], "id": "late", "label": "Kinh doanh", "at": "2026-11-21T08:00:00Z"})
    rows = labelled_rows(store, "topic")
    assert len(rows) == len(news_rows)
    assert next(r for r in rows if r["item_id"] == "item0")["label"] == "Kinh doanh"

    home = tmp_path / "home"
    record = retrain(home, store, "topic")
    assert record["status"] == "current" and record["version"] == "v0001"
    model = load_model(task_dir(home, "topic"))
    assert model.meta["n_train"] + record["n_holdout"] == len(news_rows)
    held_keys = {row_key(r) for r in holdout_split(rows, 0.2)[1]}
    assert held_keys and held_keys.isdisjoint(model.training_keys())
    assert model.metrics["n"] == record["n_holdout"]
    assert store.get_record("models", "topic@v0001")["status"] == "current"


def test_a_retrained_model_replaces_the_current_one_only_if_not_worse(store, news_rows, tmp_path):
    home = tmp_path / "home"
    pair = [r for r in news_rows if r["label"] in ("The thao", "Suc khoe")]
    dev = [{**SPORT_1, "label": "The thao"}, {**SPORT_2, "label": "The thao"},
           {**HEALTH_1, "label": "Suc khoe"}, {**HEALTH_2, "label": "Suc khoe"}]
    first = retrain(home, store, "topic", pair, dev_rows=dev)
    assert first["status"] == "current" and current_version(home, "topic") == "v0001"

    # Labels swapped: a model that gets every dev row wrong must not replace a good one.
    swapped = [{**r, "label": "Suc khoe" if r["label"] == "The thao" else "The thao"} for r in pair]
    second = retrain(home, store, "topic", swapped, dev_rows=dev)
    assert second["status"] == "rejected"
    assert second["comparison"]["candidate_macro_f1"] < second["comparison"]["current_macro_f1"]
    assert current_version(home, "topic") == "v0001"
    assert (task_dir(home, "topic") / "v0002" / "metrics.json").is_file()  # kept, with its metrics

    # As good as the current one (not worse) is enough.
    third = retrain(home, store, "topic", pair, dev_rows=dev)
    assert third["status"] == "current" and third["replaces"] == "v0001"
    assert current_version(home, "topic") == "v0003"
    statuses = {r["version"]: r["status"] for r in store.list_records("models", where={"task": "topic"})}
    assert statuses == {"v0001": "retired", "v0002": "rejected", "v0003": "current"}


def test_train_command_in_a_home_makes_a_current_model_that_eval_reads(home, news_rows, tmp_path, cli):
    path = _write_jsonl(tmp_path / "t.jsonl", news_rows)
    record = json_lines(cli("classifier", "train", "--task", "topic", "--train", str(path), home=home).stdout)[-1]
    assert record["status"] == "current"
    test = _write_jsonl(tmp_path / "e.jsonl", [{**SPORT_1, "label": "The thao"}, {**HEALTH_1, "label": "Suc khoe"}])
    out = json_lines(cli("classifier", "eval", "--model", str(task_dir(home.path, "topic")), "--test", str(test)).stdout)
    assert out[-1]["accuracy"] == 1.0


def test_offensive_lexicon_keeps_phrases_marked_often_and_rarely_innocent(tmp_path):
    from classifiers.runtime.offensive_lexicon import build

    rows = [("Đồ ngu như bò", [0, 1, 3, 4, 5]),  # "Đồ" and "ngu" marked
            ("Mày ngu thật", [4, 5, 6]),  # "ngu"
            ("ngu vãi", [0, 1, 2]),  # "ngu"
            ("Đồ khốn", [0, 1, 2, 3, 4, 5, 6]),  # "Đồ khốn" marked as one span
            ("Đồ ăn ngon", [0, 1]),  # "Đồ" marked (wrongly)
            ("Đồ dùng học tập", []), ("Đồ cũ", []), ("Đồ chơi", []), ("Đồ đạc", []), ("Đồ gỗ", []),
            ("Con bò ăn cỏ ngoài đồng", [])]
    path = tmp_path / "vihos.csv"
    path.write_text("content,index_spans\n" + "".join(f'"{t}","{s}"\n' for t, s in rows), encoding="utf-8")
    phrases = build([path], min_count=2, min_share=0.3)
    # "ngu": marked in all 3 comments using it; "do" (Đồ) marked in 2 of the 9 using it; "do khon" once.
    assert phrases == ["ngu"]


def test_a_listed_offensive_phrase_raises_the_offensive_score(comment_model):
    index = comment_model.labels.index("offensive")
    uses_listed, uses_none = comment_model.weights[index, -2:]
    assert uses_listed > 0 > uses_none
    row = {"text": "Cái bọn bò đỏ này"}
    assert comment_model.features.prepare(row).lexicon_hits >= 1
    evidence = comment_model.explain(row, "offensive", k=10)
    assert any(e["text"] == "bò đỏ" for e in evidence)


def test_the_benchmark_sets_the_trainer_against_the_plain_tfidf_baseline_with_its_spread(tmp_path, cli):
    data = tmp_path / "data"
    data.mkdir()
    (data / "vntc_train.jsonl").write_text((FIXTURES / "vntc_sample.jsonl").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    lines = cli("classifier", "benchmark", "--only", "vntc", "--data", str(data), "--seeds", "2").stdout
    results = [json.loads(line) for line in lines.splitlines() if line.startswith("{")]
    first, second, summary = results
    assert first["seed"] == 0 and second["seed"] == 1
    assert 0 <= first["baseline"]["macro_f1"] <= 1 and first["baseline"]["C"] in (1, 3, 10, 30, 100)
    assert {"mean", "sd", "p_not_better"} <= set(first["difference"])
    assert summary["seeds"] == 2 and {"mean", "sd"} <= set(summary["difference"])
    assert first["head"] == "svm+nbsvm" and set(first["C"].values()) <= {0.1, 0.3, 1.0, 3.0}


def test_averaged_svm_and_nbsvm_head_is_one_linear_model_that_saves_and_scores_compactly(news_rows, tmp_path):
    from classifiers.runtime.linear import export_compact, load_compact

    train, held = holdout_split(news_rows, 0.25)
    # Without class offsets (each model would add its own per-class shift): the mix is what is tested here.
    model = train_model(train, "topic", {"head": "svm+nbsvm", "class_offsets": False})
    assert model.meta["head"] == "svm+nbsvm" and set(model.meta["C"]) == {"svm", "nbsvm"}
    assert "svm+nbsvm" in model.meta["cv_macro_f1"]
    assert evaluate(model, held)["accuracy"] >= 0.8
    # Its scores are a positive mix of the two heads' own scores (each at the C it chose): one weight matrix.
    members = [train_model(train, "topic", {"head": head, "C": [model.meta["C"][head]], "class_offsets": False})
               for head in ("svm", "nbsvm")]
    probe = held + [SPORT_1, SPORT_2, HEALTH_1, HEALTH_2]
    mixed = model.decision_scores(probe).ravel()
    parts = np.stack([m.decision_scores(probe).ravel() for m in members] + [np.ones_like(mixed)], axis=1)
    mix, *_ = np.linalg.lstsq(parts, mixed, rcond=None)
    assert mix[0] > 0 and mix[1] > 0 and np.abs(parts @ mix - mixed).max() < 1e-3 * np.abs(mixed).max()
    # Saved and reloaded, and in the compact form the pipeline loads, it scores as trained.
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    compact = load_compact(export_compact(model, tmp_path / "m"))
    for want, got, fast in zip(model.predict_proba(probe), loaded.predict_proba(probe), compact.predict_proba(probe),
                               strict=True):
        assert got == pytest.approx(want, abs=1e-4) and fast == pytest.approx(want, abs=1e-4)


def test_an_unknown_head_is_refused_with_the_heads_there_are(news_rows):
    with pytest.raises(TrainingError, match="svm\\+nbsvm"):
        train_model(news_rows, "topic", {"head": "forest"})


def test_the_benchmark_measures_vihos_comments_and_runs_the_seed_and_head_asked_for(tmp_path, cli):
    import csv

    data = tmp_path / "data"
    (data / "vihos").mkdir(parents=True)
    rows = _rows("vihos_sample.jsonl")
    for name, part in (("train", rows[::2]), ("dev", rows[1::2])):
        with open(data / "vihos" / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["", "content", "index_spans"])
            for number, row in enumerate(part):
                writer.writerow([number, row["text"], "[]" if row["label"] == "clean" else "[0, 1]"])
    out = cli("classifier", "benchmark", "--only", "vihos", "--data", str(data), "--head", "svm",
              "--no-baseline").stdout
    (result,) = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert result["dataset"] == "vihos" and result["head"] == "svm" and result["n_test"] == len(rows[1::2])
    assert set(result["per_class"]) == {"clean", "hateful"} and result["macro_f1"] > 0.5
    # Whether the class offsets were kept, and why (their gain on folds they were not fitted on).
    assert set(result["class_offsets"]) == {"clean", "hateful"}
    assert any(result["class_offsets"].values()) == (result["offsets_cross_fitted_gain"] > 0)
    (data / "vntc_train.jsonl").write_text((FIXTURES / "vntc_sample.jsonl").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    out = cli("classifier", "benchmark", "--only", "vntc", "--data", str(data), "--seed", "2", "--no-baseline").stdout
    (result,) = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert result["seed"] == 2 and result["head"] == "svm+nbsvm"


def test_class_offsets_recover_a_class_the_scores_under_call():
    from sklearn.metrics import f1_score

    from classifiers.training.learn import _fit_offsets

    # Three classes; the scores of the rare third class run 1.5 below where they should: argmax under-calls it.
    rng = np.random.default_rng(0)
    y = np.array([0] * 600 + [1] * 300 + [2] * 100)
    scores = rng.normal(0, 1, (len(y), 3))
    scores[np.arange(len(y)), y] += 2.0
    scores[:, 2] -= 1.5
    before = f1_score(y, scores.argmax(1), average="macro")
    offsets = _fit_offsets(scores, y)
    after = f1_score(y, (scores + offsets).argmax(1), average="macro")
    assert offsets.argmax() == 2 and after > before + 0.03
    assert abs(offsets.sum()) < 1e-9  # a shift of all classes together changes no decision


def test_class_offsets_are_kept_only_when_rows_they_never_saw_gain_from_them():
    from sklearn.model_selection import StratifiedKFold

    from classifiers.training.learn import _offsets_if_they_hold

    def kept(y: np.ndarray, under_call: float, seed: int) -> bool:
        rng = np.random.default_rng(seed)
        scores = rng.normal(0, 1, (len(y), 3))
        scores[np.arange(len(y)), y] += 2.0
        scores[:, 2] -= under_call
        split = list(StratifiedKFold(3, shuffle=True, random_state=0).split(scores, y))
        offsets, gain = _offsets_if_they_hold(scores, y, split)
        assert (gain > 0) == bool(np.any(offsets))
        return gain > 0

    skewed = np.array([0] * 600 + [1] * 300 + [2] * 100)
    balanced_few = np.repeat([0, 1, 2], 20)
    # A class the scores under-call, on a thousand rows: the offsets hold on every draw. Balanced classes and
    # sixty rows: nothing to correct, and offsets fitted on noise are mostly refused.
    assert all(kept(skewed, 1.5, seed) for seed in range(10))
    assert sum(kept(balanced_few, 0.0, seed) for seed in range(20)) <= 8


def test_class_offsets_fold_into_the_bias_and_help_a_rare_class_on_held_out_articles(news_rows):
    by_label: dict[str, list[dict]] = {}
    for row in news_rows:
        by_label.setdefault(row["label"], []).append(row)
    # Business news is rare in training (6 articles against 20 + 20), as a new task's rare label is.
    train = by_label["Suc khoe"][:20] + by_label["The thao"][:20] + by_label["Kinh doanh"][:6]
    held = by_label["Suc khoe"][20:] + by_label["The thao"][20:] + by_label["Kinh doanh"][6:]
    plain = train_model(train, "topic", {"class_offsets": False, "head": "svm", "C": [1.0]})
    shifted = train_model(train, "topic", {"class_offsets": True, "head": "svm", "C": [1.0]})
    assert plain.meta["class_offsets"] == [0.0] * len(plain.labels)
    offsets = np.array(shifted.meta["class_offsets"])
    assert shifted.meta["cv_macro_f1"]["offsets_cross_fitted_gain"] > 0
    assert shifted.labels[int(offsets.argmax())] == "Kinh doanh"
    # The same weights; the bias differs by exactly the offsets.
    assert np.allclose(shifted.weights, plain.weights, atol=1e-4)
    assert np.allclose(shifted.bias - plain.bias, offsets, atol=1e-3)
    before, after = evaluate(plain, held), evaluate(shifted, held)
    assert after["per_class"]["Kinh doanh"]["recall"] > before["per_class"]["Kinh doanh"]["recall"]
    assert after["macro_f1"] > before["macro_f1"]
