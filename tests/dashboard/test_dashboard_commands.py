"""The dashboard's commands as a user types them: `diemtin users ...` and the URL submission path."""

from __future__ import annotations

import http.server
import threading

from dashboard_seed import PASSWORD

from dashboard import actions
from pipeline.office import accounts


def test_users_add_reads_the_password_from_stdin_and_the_account_logs_in(cli, home):
    out = cli("users", "add", "Lan.Anh", "--role", "lead", home=home, input="mat-khau-moi-1\n")
    assert '"id": "lan.anh"' in out.stdout and "password" not in out.stdout
    with home.open_store() as store:
        assert accounts.authenticate(store, "lan.anh", "mat-khau-moi-1", 8)
    cli("users", "passwd", "lan.anh", home=home, input="mat-khau-moi-2\n")
    cli("users", "disable", "lan.anh", home=home)
    listed = cli("users", "list", home=home).stdout
    assert '"disabled": true' in listed and "argon2" not in listed
    with home.open_store() as store:
        assert [e["action"] for e in store.list_audit("user", "lan.anh")] == [
            "user.create", "user.login", "user.password", "user.disable"]
        assert store.list_audit("user", "lan.anh")[0]["actor"].startswith("cli")


def test_users_add_refuses_a_short_password_and_an_existing_login(cli, home):
    short = cli("users", "add", "moi", "--role", "viewer", home=home, input="ngan\n", check=False)
    assert short.returncode == 2 and "ít nhất 8 ký tự" in short.stderr
    cli("users", "add", "moi", "--role", "viewer", home=home, input=PASSWORD + "\n")
    again = cli("users", "add", "moi", "--role", "viewer", home=home, input=PASSWORD + "\n", check=False)
    assert again.returncode == 2 and "đã tồn tại" in again.stderr


ARTICLE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Sạt lở ở Ba Bể</title>
<meta property="article:published_time" content="2026-11-24T08:00:00+07:00"></head><body><article>
<h1>Sạt lở đất tại xã Ba Bể, tỉnh Thái Nguyên</h1>
<p>Mưa lớn kéo dài đã gây sạt lở đất nghiêm trọng tại xã Ba Bể, tỉnh Thái Nguyên. Nhiều tuyến đường bị chia cắt,
hàng chục hộ dân phải sơ tán khẩn cấp đến nơi an toàn.</p>
<p>Ủy ban nhân dân tỉnh đã chỉ đạo các lực lượng chức năng khắc phục hậu quả, bảo đảm an toàn cho người dân.</p>
</article></body></html>""".encode()


class _Article(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(ARTICLE)))
        self.end_headers()
        self.wfile.write(ARTICLE)

    def log_message(self, *args: object) -> None:
        pass


def test_analyst_submits_a_url_and_it_is_fetched_into_the_raw_queue(store, seeded, actors, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Article)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # The test server is on 127.0.0.1, which the guard refuses by default: allow it for this test only.
    monkeypatch.setenv("DIEMTIN_ALLOW_PRIVATE_NETWORKS", "1")
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/tin/sat-lo-ba-be.html"
        report = actions.submit_url(seeded, store, actors["analyst"], url, "phản ánh của người dân")
    finally:
        server.shutdown()
    assert report["items"] == 1
    (raw,) = store.claim_raw(10)
    assert raw.payload["url"] == url and "Ba Bể" in (raw.payload.get("title") or "")
    assert store.list_audit("url", url)[-1]["actor"] == "chuyenvien"
