"""`diemtin bench classify --n N`: items per second through the whole classification stage, embeddings included.

Items are synthetic Vietnamese news built from templates whose slots (places of the province, people,
numbers, organisations) vary, with a share about other provinces and syndicated copies with small edits:
templated text with fixed filler sentences would make every item a near-copy of every other; 5% are social
posts that retell a shipped example claim, so the benchmark pays for the embeddings that claim matching needs
(only items lexically close to a known claim are embedded: see classifiers/stages.py). Building items (normalisation, relevance) and exact dedup run first, untimed,
as `pipeline/core/process.py` does before the classifiers; then every classifier stage runs on batches of
``pipeline.batch_size`` and only that is timed, per stage and in total. The target is 100 items/s with the
default embedder on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.core.console import print_json
from pipeline.core.home import Home
from pipeline.core.profiles import Profile
from pipeline.office.setup import create_home

ELSEWHERE = ("Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Nghệ An", "Thanh Hóa", "Hải Phòng")
ORGS = ("Sở Tài chính", "Công an tỉnh", "Ban Quản lý các khu công nghiệp", "Sở Y tế", "Bộ đội Biên phòng",
        "Ủy ban nhân dân tỉnh", "Hội Nông dân", "Tỉnh đoàn", "Sở Văn hóa, Thể thao và Du lịch", "Ban Dân tộc")
SYLLABLES = ("nguyễn", "trần", "lê", "phạm", "hoàng", "văn", "thị", "minh", "hùng", "lan", "quang", "thu",
             "đức", "thành", "hải", "mai", "tuấn", "hương", "long", "bình", "dũng", "phương", "sơn", "hà")
WORDS = ("người", "dân", "cán", "bộ", "chính", "quyền", "địa", "phương", "kinh", "tế", "xã", "hội", "phát",
         "triển", "nông", "nghiệp", "công", "trình", "dự", "án", "giao", "thông", "trường", "học", "sinh",
         "bệnh", "viện", "hợp", "tác", "xuất", "khẩu", "chợ", "hàng", "hóa", "giá", "cả", "thu", "nhập",
         "rừng", "sông", "suối", "bản", "làng", "mùa", "vụ", "lúa", "ngô", "chè", "cây", "trồng", "vật", "nuôi",
         "điện", "nước", "sạch", "đường", "bê", "tông", "cầu", "treo", "nhà", "văn", "hóa", "thôn", "tổ", "dân",
         "phố", "đoàn", "viên", "thanh", "niên", "phụ", "nữ", "cựu", "chiến", "binh", "hội", "nghị", "tổng",
         "kết", "năm", "tháng", "quý", "kế", "hoạch", "chỉ", "tiêu", "ngân", "sách", "vốn", "vay", "tín", "dụng")
TITLES = (
    "{place}: mưa lớn gây sạt lở, {n} hộ dân phải di dời khẩn cấp",
    "Hội nghị xúc tiến đầu tư tại {place} thu hút {n} doanh nghiệp",
    "{org} kiểm tra tiến độ dự án {m} tỷ đồng ở {place}",
    "Lễ hội truyền thống ở {place} đón hơn {m} lượt khách",
    "Công nhân một công ty ở {place} ngừng việc đòi trả lương",
    "Đại hội Đảng bộ xã {place} nhiệm kỳ 2025-2030 thành công tốt đẹp",
    "Bộ đội Biên phòng tuần tra bảo vệ cột mốc gần {place}",
    "{place} hoàn thành sắp xếp bộ máy chính quyền địa phương hai cấp",
    "Cảnh báo thông tin sai sự thật về {place} trên mạng xã hội",
    "Người dân {place} phản ánh ô nhiễm từ cơ sở sản xuất",
    "Kỷ niệm {n} năm ngày thành lập {org}",
    "Ông {who} được bầu giữ chức Chủ tịch UBND xã {place}",
    "Tỉnh {province} đón đoàn công tác của Đại sứ quán Nhật Bản",
    "Đồng bào dân tộc thiểu số ở {place} đón Tết độc lập",
    "Giải ngân vốn đầu tư công tại {province} đạt {n}%",
)
SENTENCES = (
    "Theo {org}, đến ngày {day}/{month} toàn tỉnh {province} đã có {n} trường hợp được hỗ trợ kịp thời.",
    "Ông {who}, đại diện {org}, cho biết đơn vị sẽ tiếp tục phối hợp với chính quyền {place}.",
    "Tổng kinh phí thực hiện khoảng {m} tỷ đồng, từ ngân sách tỉnh và nguồn xã hội hóa.",
    "Nhiều hộ dân ở {place} cho biết đây là lần đầu tiên họ chứng kiến sự việc như vậy.",
    "Lãnh đạo {org} yêu cầu các đơn vị khẩn trương triển khai biện pháp khắc phục trong tháng {month}.",
    "Chính quyền xã {place} đã tổ chức họp dân để thông tin đầy đủ, công khai về sự việc.",
    "Các chuyên gia nhận định kết quả này góp phần nâng cao hình ảnh của tỉnh {province}.",
    "Cơ quan chức năng khuyến cáo người dân không chia sẻ thông tin chưa được kiểm chứng.",
    "Trước đó, ngày {day}/{month}, {org} đã tiếp nhận {n} ý kiến phản ánh của cử tri.",
    "Dự kiến đến cuối năm, {place} sẽ có thêm {n} công trình được đưa vào sử dụng.",
    "Bà {who}, người dân thôn Nà Pàn, chia sẻ gia đình bà đã ổn định cuộc sống.",
    "Sự kiện nhận được sự quan tâm của đông đảo cán bộ, đảng viên và nhân dân {place}.",
    "Năm nay sản lượng chè của {place} ước đạt {m} tấn, tăng {n}% so với cùng kỳ.",
    "Lực lượng công an đã có mặt tại hiện trường để bảo đảm an ninh trật tự.",
    "Đến nay đã có {n} doanh nghiệp đăng ký tham gia với tổng vốn {m} triệu USD.",
    "Ủy ban nhân dân tỉnh {province} đã ban hành kế hoạch số {n}/KH-UBND để triển khai.",
    "Các tuyến đường liên xã ở {place} được sửa chữa, nâng cấp với chiều dài {n} km.",
    "Đoàn công tác đã thăm hỏi, tặng {n} suất quà cho các gia đình có hoàn cảnh khó khăn.",
    "Theo thống kê, trong {n} tháng đầu năm lượng khách đến {place} đạt {m} lượt.",
    "Phát biểu tại buổi lễ, ông {who} đề nghị các cấp ủy tiếp tục quan tâm công tác này.",
)
RETELLINGS = ("Chia sẻ gấp: {claim} Mọi người ở {place} lưu ý nhé.",
              "Nghe nói {claim} Ai ở {place} biết thêm thì nói với.",
              "Tin nóng {n} phút trước: {claim}")
OUTLETS = (("vnexpress.net", "vnexpress"), ("tuoitre.vn", "tuoi-tre"), ("dantri.com.vn", "dan-tri"),
           ("nhandan.vn", "nhan-dan"), ("vov.vn", "vov"), ("baochinhphu.vn", "bao-chinh-phu"),
           ("facebook.com", "mang-xa-hoi"), ("bbc.com", "bbc-tieng-viet"))


def register_bench(bench: argparse._SubParsersAction) -> None:
    b = bench.add_parser("classify", help="đo tốc độ các bước phân loại (kể cả nhúng câu)")
    b.add_argument("--n", type=int, default=5000)
    b.add_argument("--province", default="thai-nguyen")
    b.add_argument("--keep", type=Path, help="giữ home ở đây thay vì thư mục tạm")
    b.add_argument("--item-chars", type=int, default=0,
                   help="đo chi phí từng bước với một mục rất dài (ví dụ 1000000 ký tự) thay vì N mục thường")
    b.set_defaults(handler=bench_classify)


def run_classify_bench(home: Home, n: int) -> dict[str, object]:
    from classifiers.runtime.itemtext import needs_classification
    from classifiers.stages import build_stages
    from pipeline.core.process import Pipeline

    with home.open_store() as store:
        started = time.perf_counter()
        stages = build_stages(home, store)
        setup_s = time.perf_counter() - started
        pipeline = Pipeline(home, store, stages=[])
        batch_size = pipeline.batch_size
        raws = varied_items(home.profile, n)
        per_stage = {stage.name: 0.0 for stage in stages}
        classified = relevant = duplicates = flagged = clustered = claim_matched = triaged = 0
        total_s = 0.0
        cpu_started = time.process_time()
        for offset in range(0, len(raws), batch_size):
            items = [pipeline.build_item(raw) for raw in raws[offset:offset + batch_size]]
            items = pipeline._merge_same_ids(items)
            pipeline._mark_exact_duplicates(items)
            for stage in stages:
                started = time.perf_counter()
                stage(items, store)
                spent = time.perf_counter() - started
                per_stage[stage.name] += spent
                total_s += spent
            store.upsert_items(items)
            relevant += sum(1 for i in items if i.get("relevant"))
            duplicates += sum(1 for i in items if i.get("duplicate_of"))
            classified += sum(1 for i in items if needs_classification(i))
            flagged += sum(1 for i in items if i.get("flags"))
            # Every item that is not a copy gets flag scores and claim matching, relevant or not.
            triaged += sum(1 for i in items if "flag_scores" in i and "claim_matches" in i)
            clustered += sum(1 for i in items if i.get("cluster_similarity"))
            claim_matched += sum(1 for i in items if i.get("claim_matches"))
            done = min(offset + batch_size, len(raws))
            sys.stderr.write(f"classify bench: {done}/{len(raws)} items, {done / total_s:.1f} items/s\n")
        cpu_s = time.process_time() - cpu_started
    return {
        "bench": "classify", "n": n, "embedder": home.settings.get("classifiers.embedder"),
        "embed_max_chars": home.settings.get("classifiers.embed_max_chars"),
        "items_per_s": round(n / total_s, 1) if total_s else None, "classify_s": round(total_s, 2),
        # CPU seconds of the whole loop (item building and storing included): on a busy machine wall time
        # grows with other processes' load, CPU time much less.
        "loop_cpu_s": round(cpu_s, 2),
        "setup_s": round(setup_s, 2), "stage_s": {k: round(v, 2) for k, v in per_stage.items()},
        "relevant": relevant, "duplicates": duplicates, "classified": classified, "flagged": flagged,
        "flagged_and_claim_matched": triaged,
        "joined_a_story": clustered, "claim_matched": claim_matched, "home": str(home.path),
    }


def varied_items(profile: Profile, n: int, seed: int = 5) -> list[dict[str, Any]]:
    """News-like items whose wording varies as real articles do (slots filled with places, people, numbers),
    so unrelated items share few 3-word shingles; 6% are syndicated copies with 3-10% of words changed."""
    from pipeline.office.claims import SEED_FILE, read_claims_jsonl

    rng = random.Random(seed)
    claims = [row["claim"] for row in read_claims_jsonl(SEED_FILE)]
    places = [p.name for p in profile.places if not p.ambiguous] or [p.name for p in profile.places]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[dict[str, Any]] = []
    for number in range(n):
        domain, source = rng.choice(OUTLETS)
        if out and rng.random() < 0.06:
            original = rng.choice(out[-200:])
            tokens = original["text"].split(" ")
            for _ in range(max(1, int(len(tokens) * rng.choice((0.03, 0.1))))):
                tokens[rng.randrange(len(tokens))] = rng.choice(WORDS)
            out.append({**original, "url": f"https://{domain}/bai/{number}.html", "source": source,
                        "text": " ".join(tokens)})
            continue
        where = rng.choice(places) if rng.random() < 0.75 else rng.choice(ELSEWHERE)
        if rng.random() < 0.05:
            post = rng.choice(RETELLINGS).format(claim=rng.choice(claims), place=where, n=rng.randint(2, 59))
            out.append({"url": f"https://facebook.com/bai/{number}.html", "title": "", "text": post,
                        "source": "mang-xa-hoi", "lang": "vi",
                        "published_at": (start + timedelta(minutes=5 * number)).strftime("%Y-%m-%dT%H:%M:%SZ")})
            continue
        slots = {"place": where, "province": profile.name, "n": rng.randint(2, 900), "m": rng.randint(10, 5000),
                 "who": " ".join(rng.choice(SYLLABLES).capitalize() for _ in range(3)),
                 "org": rng.choice(ORGS), "day": rng.randint(1, 28), "month": rng.randint(1, 12)}
        title = rng.choice(TITLES).format(**slots)
        body = [s.format(**slots) for s in rng.sample(SENTENCES, k=rng.randint(2, 3))]
        for _ in range(rng.randint(5, 8)):  # the article's own words: what makes two articles differ
            sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24)))
            body.insert(rng.randrange(len(body) + 1), sentence.capitalize() + ".")
        out.append({"url": f"https://{domain}/bai/{number}.html", "title": title, "text": " ".join(body),
                    "source": source, "lang": "vi",
                    "published_at": (start + timedelta(minutes=5 * number)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return out


def startup(home: Home, runs: int = 3) -> dict[str, object]:
    """Seconds from starting `diemtin classify` to its first answer, for one plain item (the median of
    ``runs``), and the CPU seconds that took: what an analyst waits before the first result."""
    import statistics
    import subprocess

    line = json.dumps({"title": "Mưa lớn ở Thái Nguyên", "text": "Mưa lớn gây ngập nhiều tuyến phố chiều nay."},
                      ensure_ascii=False) + "\n"
    walls, cpus = [], []
    for _ in range(runs):
        started = time.perf_counter()
        before = os.times()
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "classify", "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(line)
        proc.stdin.close()
        proc.stdout.readline()
        walls.append(time.perf_counter() - started)
        proc.wait()
        after = os.times()
        cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
    return {"first_answer_s": round(statistics.median(walls), 2), "cpu_s": round(statistics.median(cpus), 2),
            "runs": runs}


def bench_classify(args: argparse.Namespace) -> int:
    path = args.keep or Path(tempfile.mkdtemp(prefix="diemtin-bench-classify-"))
    home = Home(path) if Home(path).exists() else create_home(path, args.province)
    if args.item_chars:
        from pipeline.bench.large_items import run_large_items_bench

        print_json(run_large_items_bench(home, args.item_chars))
        return 0
    result = run_classify_bench(home, args.n)
    result["startup"] = startup(home)
    print_json(result)
    return 0
