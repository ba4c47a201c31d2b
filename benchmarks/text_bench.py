"""How many news paragraphs per second normalize() and detect_language() handle, on one core.

The pipeline's target is 500 items/s on 2 cores, all stages together, so these two should stay far
above that. Usage: ``python benchmarks/text_bench.py [--jsonl FILE] [--seconds S]``; a JSONL file with
"text" (and optional "title") rows replaces the built-in paragraphs.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.core.language import detect_language
from pipeline.core.text import normalize

PARAGRAPHS = [
    "Sáng 12/6, UBND tỉnh Thái Nguyên tổ chức hội nghị sơ kết công tác phòng, chống thiên tai và tìm kiếm cứu nạn "
    "6 tháng đầu năm. Theo báo cáo, mưa lớn kéo dài đã gây sạt lở nhiều tuyến đường tại các xã vùng cao, làm hư "
    "hỏng 35 ngôi nhà và hàng chục héc-ta lúa, hoa màu. Chính quyền địa phương đã kịp thời sơ tán người dân đến nơi "
    "an toàn, bố trí lực lượng trực 24/24 giờ tại các điểm xung yếu.",
    "Bộ đội Biên phòng tỉnh Cao Bằng phối hợp với các lực lượng chức năng tăng cường tuần tra, kiểm soát khu vực "
    "biên giới, đường mòn, lối mở. Từ đầu năm đến nay, đơn vị đã phát hiện, bắt giữ 27 vụ vận chuyển hàng hóa "
    "trái phép qua biên giới, tịch thu nhiều tang vật có giá trị. Người dân được tuyên truyền không nghe theo kẻ xấu, "
    "không tham gia xuất nhập cảnh trái phép.",
    "Thời gian gần đây, trên mạng xã hội xuất hiện một số thông tin sai sự thật về việc sáp nhập đơn vị hành chính "
    "cấp xã tại tỉnh Tuyên Quang. Sở Văn hóa, Thể thao và Du lịch khẳng định các thông tin này không có căn cứ, đề "
    "nghị người dân chỉ tiếp nhận thông tin từ các kênh chính thống của cơ quan nhà nước.",
    "Bắc Ninh thu hút thêm hơn 1,2 tỷ USD vốn đầu tư trực tiếp nước ngoài trong quý II, chủ yếu vào lĩnh vực điện "
    "tử và công nghiệp chế biến. Lãnh đạo tỉnh cho biết sẽ tiếp tục cải thiện môi trường đầu tư, đẩy nhanh tiến độ "
    "giải phóng mặt bằng các khu công nghiệp mới.",
    "The provincial People's Committee of Thai Nguyen said on Monday that landslides had cut several roads in "
    "mountain communes after days of heavy rain, and that residents had been moved to safety.",
    "nghe noi sap sap nhap xa nay vao xa kia, ai biet thuc hu the nao khong, chinh quyen dia phuong noi ro di",
]


def _rate(function: Callable[[str], object], texts: list[str], seconds: float) -> float:
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text in texts:
            function(text)
        calls += len(texts)
    return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jsonl", type=Path, help="rows with 'text' and optional 'title' to use instead")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    texts = PARAGRAPHS
    if args.jsonl:
        rows = [json.loads(line) for line in args.jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts = [f"{row.get('title', '')}\n{row['text'][:1000]}".strip() for row in rows[:2000]]
    normalized = [normalize(t) for t in texts]
    for text in normalized:  # load the models (seconds, once per process) outside the timing
        detect_language(text)
    # Symbols that legacy encodings use for letters make normalize() weigh the text for a conversion:
    # the worst case for ordinary text.
    with_symbols = [f"{t} © 2025 «Báo Thái Nguyên» ½" for t in texts]
    print(f"paragraphs: {len(texts)}, mean {sum(map(len, texts)) / len(texts):.0f} characters")
    print(f"normalize():                    {_rate(normalize, texts, args.seconds):10.0f} calls/s")
    print(f"normalize(), with symbols:      {_rate(normalize, with_symbols, args.seconds):10.0f} calls/s")
    print(f"detect_language():              {_rate(detect_language, normalized, args.seconds):10.0f} calls/s")


if __name__ == "__main__":
    main()
