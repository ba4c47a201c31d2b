"""`diemtin store setup|migrate|upgrade`: preparing an Elasticsearch cluster, moving a store onto it (or back),
and upgrading a home's stored data after a release (retired flags)."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from pipeline.core.console import CommandError, print_json
from pipeline.core.home import Home
from pipeline.core.store import Store, StoreError, open_store
from pipeline.core.store.elastic import ElasticStore, make_client
from pipeline.core.store.elastic_setup import apply_index_config
from pipeline.core.store.migrate import copy_store, verify


def register(sub: argparse._SubParsersAction) -> None:
    store = sub.add_parser("store", help="cấu hình và chuyển kho dữ liệu (Elasticsearch)")
    actions = store.add_subparsers(dest="store_command", required=True, metavar="ACTION")

    p = actions.add_parser("setup",
                           help="áp dụng mẫu chỉ mục, chính sách ILM và bí danh lên cụm Elasticsearch")
    p.add_argument("--url", required=True, help="URL của cụm, ví dụ http://localhost:9200")
    p.add_argument("--icu", action="store_true", help="dùng plugin analysis-icu (cụm phải có plugin)")
    p.add_argument("--rollover", action="store_true",
                   help="chuyển sang chỉ mục mục tin mới ngay (cụm không có ILM)")
    p.set_defaults(handler=cmd_setup)

    p = actions.add_parser("migrate",
                           help="sao chép toàn bộ kho sang backend khác (tiếp tục được nếu bị ngắt)")
    p.add_argument("--from", dest="from_home", type=Path, help="home nguồn (kho nhúng)")
    p.add_argument("--to-url", help="URL Elasticsearch đích")
    p.add_argument("--from-url", help="URL Elasticsearch nguồn")
    p.add_argument("--to", dest="to_home", type=Path, help="home đích (kho nhúng)")
    p.add_argument("--verify-only", action="store_true", help="chỉ so sánh số lượng và checksum")
    p.set_defaults(handler=cmd_migrate)

    p = actions.add_parser("upgrade", help="nâng cấp dữ liệu đã lưu (ví dụ: chuyển các cờ đã bỏ vào lịch sử)")
    p.set_defaults(handler=cmd_upgrade)


def cmd_upgrade(args: argparse.Namespace) -> int:
    from pipeline.core.console import home_of
    from pipeline.core.store.upgrade import upgrade

    home = home_of(args)
    with home.open_store() as store:
        print_json(upgrade(store))
    return 0


def _settings_home(args: argparse.Namespace) -> Home:
    """Settings (index prefix, credentials, ICU) come from --home when it is a home, else the defaults."""
    return Home(args.home)


def cmd_setup(args: argparse.Namespace) -> int:
    settings = _settings_home(args).settings
    if args.icu:
        settings.data["store"]["icu"] = True
    client = make_client(args.url, settings)
    try:
        report = apply_index_config(client, settings)
        if args.rollover:
            report["rollover"] = ElasticStore(args.url, settings, client=client).rollover_items()
    except StoreError as exc:
        raise CommandError(f"không cấu hình được cụm {args.url}: {exc}") from exc
    except Exception as exc:  # connection refused, authentication, TLS: one clear line for the operator
        raise CommandError(f"không kết nối được cụm {args.url}: {exc}") from exc
    finally:
        client.close()
    print_json(report)
    return 0


def _open_pair(args: argparse.Namespace) -> tuple[Store, Store, Path]:
    if args.from_home and args.to_url:
        home = Home(args.from_home).require()
        source = home.open_store()
        target = open_store(args.to_url, home.path, home.settings)
        checkpoint_dir, target_name = home.path, args.to_url
    elif args.from_url and args.to_home:
        home = Home(args.to_home).require()
        if home.settings.get("store.url") != "embedded":
            raise CommandError(f"{home.path} không dùng kho nhúng (store.url = {home.settings.get('store.url')})")
        source = open_store(args.from_url, home.path, home.settings)
        target = home.open_store()
        checkpoint_dir, target_name = home.path, "embedded"
    else:
        raise CommandError("dùng --from HOME --to-url URL, hoặc --from-url URL --to HOME")
    tag = hashlib.sha256(f"{args.from_url or args.from_home}->{target_name}".encode()).hexdigest()[:12]
    return source, target, checkpoint_dir / f"migrate-{tag}.json"


def cmd_migrate(args: argparse.Namespace) -> int:
    try:
        source, target, checkpoint = _open_pair(args)
    except StoreError as exc:
        raise CommandError(f"không mở được kho: {exc}") from exc
    try:
        copied = {} if args.verify_only else copy_store(source, target, checkpoint)
        result = verify(source, target)
    except StoreError as exc:
        raise CommandError(
            f"chuyển dữ liệu bị gián đoạn (chạy lại lệnh để tiếp tục): {exc}") from exc
    finally:
        source.close()
        target.close()
    print_json({"copied": copied, "checkpoint": str(checkpoint), **result})
    if not result["ok"]:
        return 1
    checkpoint.unlink(missing_ok=True)
    return 0
