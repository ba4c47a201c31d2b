"""A synthetic newsroom for `diemtin bench crawl`: one real HTTP server on 127.0.0.1 serving an RSS feed of
``count`` articles and the article pages, shaped like a Vietnamese news site (menu, sapo, body, related links,
comments). The tests have their own, richer fixture newsroom; a benchmark needs only volume and a realistic page.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pipeline.bench.synthetic import FILLER

PAGE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title} - Báo Tỉnh điện tử</title>
<meta name="description" content="{lead}"><meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}"><link rel="canonical" href="{url}"></head>
<body><header><nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a> <a href="/kinh-te">Kinh tế</a>
<a href="/xa-hoi">Xã hội</a></nav></header><main><article class="detail"><h1 class="detail-title">{title}</h1>
<div class="detail-time">{shown}</div><h2 class="detail-sapo">{lead}</h2><div class="detail-content">{body}</div>
<p class="author"><strong>Phóng viên</strong></p></article><section class="related"><h3>Tin liên quan</h3><ul>
<li><a href="/thoi-su/1.html">Hội nghị tổng kết công tác năm</a></li><li><a href="/xa-hoi/2.html">Ra quân làm
sạch môi trường</a></li></ul></section><section class="comments"><h3>Bình luận</h3><form><textarea>Viết bình
luận...</textarea></form></section></main><footer>Báo Tỉnh điện tử. Giấy phép số 01/GP-BTTTT.</footer></body></html>"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is not the benchmark's concern."""


class Newsroom:
    """``start()`` serves ``/rss.xml`` and ``/bai/N.html``; ``url(path)`` is an address on it; ``stop()`` ends it."""

    def __init__(self, count: int):
        self.count = count
        self.started_at = datetime.now(UTC)
        self._server: _Server | None = None

    def url(self, path: str) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def _published(self, number: int) -> datetime:
        return self.started_at - timedelta(hours=number % 48, minutes=number % 60)

    def feed(self) -> str:
        items = "".join(
            f"<item><title>Bài thử số {i}</title><link>{self.url(f'/bai/{i}.html')}</link>"
            f"<pubDate>{format_datetime(self._published(i))}</pubDate></item>" for i in range(self.count))
        return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'

    def article(self, number: int) -> str:
        published = self._published(number)
        paragraphs = [f"Bài số {number}. {FILLER[(number + k) % len(FILLER)]}" for k in range(8)]
        return PAGE.format(
            title=escape(f"Tin thử nghiệm số {number} về đời sống ở địa phương"), url=self.url(f"/bai/{number}.html"),
            lead=escape(f"Sapo của bài số {number}: {FILLER[number % len(FILLER)]}"), published=published.isoformat(),
            shown=published.astimezone().strftime("%d/%m/%Y %H:%M"),
            body="".join(f"<p>{escape(p)}</p>" for p in paragraphs))

    def start(self) -> Newsroom:
        room = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                """Quiet: the benchmark prints its own figures."""

            def do_GET(self) -> None:  # noqa: N802 (http.server's API)
                found = re.fullmatch(r"/bai/(\d+)\.html", self.path)
                if self.path == "/rss.xml":
                    body, kind = room.feed(), "application/rss+xml; charset=utf-8"
                elif found and int(found.group(1)) < room.count:
                    body, kind = room.article(int(found.group(1))), "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
