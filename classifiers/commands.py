"""`diemtin classifier train|eval|refresh|benchmark`: trainable text classifiers from the command line.

train --out DIR      trains on a JSONL file into a folder (evaluated on --dev when given);
train (no --out)     trains a new version in the home's registry from the analysts' labels (store collection
                     "labels") plus any JSONL given, and makes it current only if it is not worse;
eval                 prints the metrics of a model on a labelled JSONL file as one JSON line (the last line);
reembed              embeds stored items again after the fast embedder changed (the main job does it in the background);
refresh              retrains the flag models from the analysts' decisions plus the shipped data, and the home's
                     section model from sources that declare their section and analysts' section corrections,
                     keeping each new model only if it is not worse on held-out rows (classifiers/training/refresh.py);
benchmark            reproduces classifiers/EVALUATION.md: public data, the flags, evasion, and the product's topics,
                     tone and stories.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pipeline.core.console import CommandError, cli_actor, home_of, print_json

# classifiers.training.learn (scikit-learn) is imported by the handlers, so other commands start without it.
PUBLIC = ("vihsd", "vntc", "vihos")
FLAGS = ("flags", "evasion")
PRODUCT = ("topics", "tone", "stories", "real")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("classifier", help="huấn luyện và đánh giá bộ phân loại văn bản từ tệp JSONL")
    commands = p.add_subparsers(dest="classifier_command", required=True, metavar="LỆNH")

    t = commands.add_parser("train", help="huấn luyện một mô hình (mỗi dòng: text, title tùy chọn, label)")
    t.add_argument("--task", required=True, help="tên nhiệm vụ, ví dụ flag:hostile, tone, topic")
    t.add_argument("--train", type=Path, help="tệp JSONL huấn luyện")
    t.add_argument("--dev", type=Path, help="tệp JSONL để đánh giá (không dùng để huấn luyện)")
    t.add_argument("--out", type=Path,
                   help="thư mục lưu mô hình; bỏ trống để tạo phiên bản mới trong home (dùng cả nhãn của cán bộ)")
    t.add_argument("--no-labels", action="store_true", help="không dùng nhãn của cán bộ trong kho (chỉ với home)")
    t.set_defaults(handler=cmd_train)

    e = commands.add_parser("eval", help="đánh giá một mô hình trên tệp JSONL có nhãn")
    e.add_argument("--model", type=Path, required=True, help="thư mục mô hình (hoặc thư mục nhiệm vụ trong home)")
    e.add_argument("--test", type=Path, required=True, help="tệp JSONL có nhãn")
    e.add_argument("--positive", help="nhãn dương để tính ROC AUC (nhiệm vụ hai nhãn)")
    e.set_defaults(handler=cmd_eval)

    r = commands.add_parser("refresh", help="huấn luyện lại mô hình các cờ từ quyết định của cán bộ và mô hình chuyên "
                                           "mục từ nguồn khai báo chuyên mục và chuyên mục cán bộ đã sửa; chỉ dùng "
                                           "mô hình mới nếu không kém hơn trên dữ liệu giữ lại")
    r.add_argument("--flag", action="append", default=[], choices=["likely_false", "scam", "incitement", "sovereignty"],
                   help="chỉ cờ này (mặc định: mọi cờ có quyết định của cán bộ, và mô hình chuyên mục)")
    r.add_argument("--topics", action="store_true", help="chỉ mô hình chuyên mục")
    r.add_argument("--data", type=Path, default=_shared_train(),
                   help="thư mục chứa vntc_train.jsonl và vihos/ (dữ liệu được phép dùng cho mô hình đi kèm)")
    r.set_defaults(handler=cmd_refresh)

    m = commands.add_parser("reembed", help="nhúng lại các tin đã lưu bằng bộ nhúng nhanh hiện tại "
                                            "(sau khi đổi classifiers.fast_embedder)")
    m.add_argument("--batch", type=int, default=2000, help="số tin mỗi lượt")
    m.set_defaults(handler=cmd_reembed)

    b = commands.add_parser("benchmark", help="đo lại các số liệu của EVALUATION.md trên dữ liệu công khai")
    b.add_argument("--data", type=Path, default=_shared_train(),
                   help="thư mục chứa vihsd_*.jsonl và vntc_train.jsonl")
    b.add_argument("--only", choices=[*PUBLIC, *FLAGS, *PRODUCT], action="append", default=[],
                   help="chỉ chạy phần này (mặc định: tất cả): vihsd, vntc, vihos (bộ huấn luyện trên dữ liệu công khai), "
                        "flags (các cờ trên tập giữ lại, cặp quan điểm, ViHSD dev, VFND, tin thật), evasion (liên "
                        "quan khi viết lách), topics (chuyên mục trên VNTC 20%% và tin tỉnh), tone (sắc thái), "
                        "stories (gom câu chuyện), real (tin thật nêu tên tỉnh, người đọc gán nhãn: liên quan, sắc "
                        "thái, chuyên mục)")
    b.add_argument("--sample", type=int, default=None, help="chỉ dùng N dòng huấn luyện (chạy thử nhanh)")
    b.add_argument("--no-lexicon", action="store_true", help="đo khi không dùng danh sách từ xúc phạm")
    b.add_argument("--seeds", type=int, default=1, help="số lần chia VNTC (mỗi hạt giống một lần chia)")
    b.add_argument("--seed", type=int, action="append", default=[],
                   help="chỉ chạy lần chia VNTC với hạt giống này (lặp lại được; thay cho --seeds)")
    b.add_argument("--head", default=None,
                   help="đầu phân loại của bộ huấn luyện khi đo (svm, nbsvm, lr, auto, svm+nbsvm; mặc định: "
                        "theo cài đặt learn.head)")
    b.add_argument("--vntc-train", type=int, default=None,
                   help="số dòng VNTC để huấn luyện (phần còn lại để kiểm tra); mặc định 80%%")
    b.add_argument("--no-baseline", action="store_true",
                   help="không huấn luyện mô hình đối chứng TF-IDF + hồi quy logistic")
    b.set_defaults(handler=cmd_benchmark)


def _shared_train() -> Path:
    from classifiers.training.topic_data import shared_train_dir

    return shared_train_dir()


def _read(path: Path, what: str) -> list[dict[str, Any]]:
    """Rows of a JSONL file; bad lines are reported on stderr with their number and skipped."""
    from classifiers.training.learn import read_jsonl

    if not path.is_file():
        raise CommandError(f"không tìm thấy tệp {what}: {path}")
    rows, problems = read_jsonl(path)
    for problem in problems:
        sys.stderr.write(f"{path}: dòng {problem['line']}: {problem['error']} — bỏ qua\n")
    if not rows:
        raise CommandError(f"tệp {what} {path} không có dòng hợp lệ nào")
    return rows


def cmd_train(args: argparse.Namespace) -> int:
    from classifiers.training.learn import TrainingError, evaluate, row_key, train_model, without_keys

    rows = _read(args.train, "huấn luyện") if args.train else []
    dev = _read(args.dev, "đánh giá") if args.dev else None
    if args.out is None:
        return _train_in_home(args, rows, dev)
    try:
        if not rows:
            raise CommandError("cần --train khi dùng --out")
        model = train_model(rows, args.task)
        summary: dict[str, Any] = {"task": args.task, "out": str(args.out), "n_train": len(rows),
                                   "labels": model.labels, "train_seconds": model.meta["train_seconds"]}
        if dev is not None:
            held = without_keys(dev, {row_key(row) for row in rows})
            summary["dev_overlap_removed"] = len(dev) - len(held)
            if held:
                model.metrics = evaluate(model, held)
                summary["metrics"] = model.metrics
        model.save(args.out, train_keys=(row_key(row) for row in rows))
    except TrainingError as exc:
        raise CommandError(str(exc)) from exc
    print_json(summary)
    return 0


def _train_in_home(args: argparse.Namespace, rows: list[dict[str, Any]], dev: list[dict[str, Any]] | None) -> int:
    from classifiers.training.learn import TrainingError
    from classifiers.training.registry import retrain

    home = home_of(args)
    with home.open_store() as store:
        try:
            record = retrain(home.path, store, args.task, rows, dev_rows=dev, settings=home.settings,
                             include_labels=not args.no_labels)
        except TrainingError as exc:
            raise CommandError(str(exc)) from exc
        store.audit(cli_actor(), "model.train", "model", record["id"],
                    after={"status": record["status"], "comparison": record.get("comparison")})
    print_json(record)
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from classifiers.stages import shipped_model
    from classifiers.training.flag_models import FLAGS as FLAG_NAMES
    from classifiers.training.flag_models import refresh
    from classifiers.training.learn import TrainingError
    from classifiers.training.refresh import refresh_topics

    home = home_of(args)
    flags = args.flag or ([] if args.topics else list(FLAG_NAMES))
    vntc = args.data / "vntc_train.jsonl"
    with home.open_store() as store:
        for flag in flags:
            try:
                print_json(refresh(home.path, store, flag, args.data, home.settings))
            except (TrainingError, FileNotFoundError) as exc:
                raise CommandError(f"không huấn luyện lại được cờ {flag}: {exc}") from exc
        if args.topics or not args.flag:
            try:
                print_json(refresh_topics(home.path, store, home.settings, vntc if vntc.is_file() else None,
                                          baseline=shipped_model(home.settings, "classifiers.topic_model")))
            except TrainingError as exc:
                raise CommandError(f"không huấn luyện lại được mô hình chuyên mục: {exc}") from exc
    return 0


def cmd_reembed(args: argparse.Namespace) -> int:
    from classifiers.runtime.embed import fast_embedder_from_settings
    from classifiers.runtime.reembed import needs_reembed, reembed_step

    home = home_of(args)
    embedder = fast_embedder_from_settings(home.settings)
    total = 0
    progress: dict[str, Any] = {"embedded": 0, "done": True}
    with home.open_store() as store:
        while needs_reembed(store, embedder):
            progress = reembed_step(store, embedder, home.settings.get_int("classifiers.cluster_max_chars"),
                                    max(1, args.batch))
            total += progress["embedded"]
    print_json({**progress, "embedded": total})
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from classifiers.training.learn import TrainingError, evaluate, load_model, without_keys

    rows = _read(args.test, "kiểm tra")
    try:
        model = load_model(args.model)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from exc
    # Rows the model trained on say nothing about how it does on new text: they are left out and counted.
    held = without_keys(rows, model.training_keys())
    if len(held) < len(rows):
        sys.stderr.write(f"bỏ qua {len(rows) - len(held)} dòng mô hình đã dùng để huấn luyện\n")
    try:
        metrics = evaluate(model, held, positive=args.positive)
    except TrainingError as exc:
        raise CommandError(str(exc)) from exc
    metrics["excluded_training_rows"] = len(rows) - len(held)
    print_json(metrics)
    return 0


def cmd_benchmark(args: argparse.Namespace) -> int:
    from classifiers.training import province_benchmark
    from classifiers.training.flag_benchmark import run as run_flags
    from classifiers.training.public_benchmark import run_benchmarks

    wanted = args.only or [*PUBLIC, *FLAGS, *PRODUCT]
    flags = [name for name in wanted if name in FLAGS]
    if flags:
        for result in run_flags(args.data, only=set(flags)):
            print_json(result)
    public = [name for name in wanted if name in PUBLIC]
    if public:
        for result in run_benchmarks(args.data, only=public, sample=args.sample, lexicon=not args.no_lexicon,
                                     seeds=args.seed or max(1, args.seeds), vntc_train=args.vntc_train,
                                     baseline=not args.no_baseline, head=args.head):
            print_json(result)
    product = [name for name in wanted if name in PRODUCT]
    if product:
        vntc = args.data / "vntc_train.jsonl"
        for result in province_benchmark.run(product, vntc if vntc.is_file() else None):
            print_json(result)
    return 0
