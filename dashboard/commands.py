"""Commands of the dashboard: `diemtin users add|passwd|disable|enable|list` and `diemtin dashboard`."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys
from pathlib import Path

from dashboard.context import HOME_ENV
from pipeline.core.console import CommandError, cli_actor, home_of, print_json
from pipeline.core.home import Home
from pipeline.office import accounts

APP = Path(__file__).with_name("app.py")
# What `streamlit run` serves: the app behind the log-in routes and the session gate.
SERVER = Path(__file__).with_name("server.py")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="quản lý tài khoản đăng nhập dashboard")
    users = p.add_subparsers(dest="users_command", required=True, metavar="LỆNH")
    a = users.add_parser("add", help="thêm tài khoản (mật khẩu đọc từ đầu vào chuẩn nếu không phải terminal)")
    a.add_argument("login")
    a.add_argument("--role", required=True, choices=accounts.role_names())
    a.set_defaults(handler=cmd_users_add)
    a = users.add_parser("passwd", help="đặt lại mật khẩu")
    a.add_argument("login")
    a.set_defaults(handler=cmd_users_passwd)
    a = users.add_parser("disable", help="khóa tài khoản (đăng xuất mọi phiên)")
    a.add_argument("login")
    a.set_defaults(handler=cmd_users_disable, disabled=True)
    a = users.add_parser("enable", help="mở khóa tài khoản")
    a.add_argument("login")
    a.set_defaults(handler=cmd_users_disable, disabled=False)
    a = users.add_parser("list", help="liệt kê tài khoản")
    a.set_defaults(handler=cmd_users_list)

    p = sub.add_parser("dashboard", help="chạy giao diện web (Streamlit)")
    p.add_argument("--host", help="địa chỉ lắng nghe (mặc định dashboard.host)")
    p.add_argument("--port", type=int, help="cổng (mặc định dashboard.port)")
    p.set_defaults(handler=cmd_dashboard)


def _cli_actor() -> str:
    """Who an account change from the command line is audited as: the operator's system account."""
    return cli_actor()


def read_password() -> str:
    """A new password: typed twice at a terminal, or the first line of standard input when piped."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise CommandError("hai lần nhập mật khẩu không khớp")
        return first
    line = sys.stdin.readline()
    if not line:
        raise CommandError("không đọc được mật khẩu từ đầu vào chuẩn")
    return line.rstrip("\r\n")


def cmd_users_add(args: argparse.Namespace) -> int:
    home = home_of(args)
    password = read_password()
    with home.open_store() as store:
        try:
            user = accounts.create_user(store, args.login, args.role, password, by=_cli_actor())
        except accounts.AuthError as exc:
            raise CommandError(str(exc)) from exc
    print_json(user)
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    home = home_of(args)
    password = read_password()
    with home.open_store() as store:
        try:
            accounts.set_password(store, args.login, password, by=_cli_actor())
        except accounts.AuthError as exc:
            raise CommandError(str(exc)) from exc
    print_json({"id": args.login, "password": "changed"})
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    with home_of(args).open_store() as store:
        try:
            accounts.set_disabled(store, args.login, args.disabled, by=_cli_actor())
        except accounts.AuthError as exc:
            raise CommandError(str(exc)) from exc
    print_json({"id": args.login, "disabled": args.disabled})
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    with home_of(args).open_store() as store:
        for user in accounts.list_users(store):
            print_json(user)
    return 0


def start_dashboard(home: Home, host: str | None = None, port: int | None = None) -> subprocess.Popen[bytes]:
    """Start the Streamlit server for a home, headless, as a child process (what `diemtin run` also uses)."""
    host = host or home.settings.get_str("dashboard.host")
    port = int(port or home.settings.get("dashboard.port"))
    env = dict(os.environ, **{HOME_ENV: str(home.path.resolve())})
    command = [
        sys.executable, "-m", "streamlit", "run", str(SERVER),
        "--server.headless", "true", "--server.address", host, "--server.port", str(port),
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal", "--theme.base", "light",
    ]
    return subprocess.Popen(command, env=env)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_dashboard(args: argparse.Namespace) -> int:
    home = home_of(args)
    process = start_dashboard(home, args.host, args.port)
    # Stopping this command (Ctrl+C or a service manager's SIGTERM) stops the server with it.
    signal.signal(signal.SIGTERM, _interrupt)
    host = args.host or home.settings.get("dashboard.host")
    port = args.port or home.settings.get("dashboard.port")
    sys.stderr.write(f"Điểm tin dashboard: http://{host}:{port}/ (Ctrl+C để dừng)\n")
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 130
