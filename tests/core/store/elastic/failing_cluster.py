"""An HTTP server on 127.0.0.1 that answers like an Elasticsearch cluster in trouble: it refuses bulk
requests with 429, rejects some documents of a bulk, or answers too slowly. It keeps what it was sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import index_config

BulkPlan = Callable[[int, list[tuple[dict[str, Any], dict[str, Any]]]], tuple[int, dict[str, Any]]]


class FailingCluster:
    """``bulk_plan(attempt, operations) -> (status, body)`` decides each _bulk answer; ``delay`` slows
    every answer down. Everything else answers as an empty, healthy cluster would."""

    def __init__(self, bulk_plan: BulkPlan, delay: float = 0.0):
        self.bulk_plan = bulk_plan
        self.delay = delay
        self.requests: list[tuple[str, str]] = []
        self.bulk_bodies: list[list[tuple[dict[str, Any], dict[str, Any]]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FailingCluster:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def bulk_attempts(self) -> int:
        return sum(1 for method, path in self.requests if path.split("?")[0].endswith("/_bulk"))

    def _answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        route = path.split("?")[0]
        if route.endswith("/_bulk"):
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            operations = []
            for n in range(0, len(lines), 2):
                operations.append((lines[n], lines[n + 1]))
            self.bulk_bodies.append(operations)
            return self.bulk_plan(len(self.bulk_bodies), operations)
        if route == "/":
            return 200, {"version": {"number": "8.15.0"}, "tagline": "You Know, for Search"}
        if route.startswith("/_alias/"):  # the items alias and its one backing index
            name = route.split("/")[2]
            return 200, {f"{name}-000001": {"aliases": {name: {"is_write_index": True}}}}
        if route.endswith("/_mapping"):  # a cluster set up by this version: nothing to add on open
            name = route.split("/")[1]
            prefix = name.removesuffix("-items")
            properties = index_config.index_templates(prefix)[f"{prefix}-items"]["template"]["mappings"]["properties"]
            return 200, {f"{name}-000001": {"mappings": {"properties": properties}}}
        if route.endswith("/_mget"):
            docs = json.loads(body or b"{}").get("docs", [])
            return 200, {"docs": [{"_index": d["_index"], "_id": d["_id"], "found": False} for d in docs]}
        if route.endswith("/_refresh"):
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        return 404, {"error": {"type": "index_not_found_exception", "reason": f"no such index [{route}]"},
                     "status": 404}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        cluster = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                cluster.requests.append((self.command, self.path))
                if cluster.delay:
                    time.sleep(cluster.delay)
                status, payload = cluster._answer(self.command, self.path, body)
                data = b"" if self.command == "HEAD" else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def bulk_ok(operations: list[tuple[dict[str, Any], dict[str, Any]]], failing: dict[str, tuple[int, str]] | None = None
            ) -> dict[str, Any]:
    """A _bulk answer: every operation succeeded except ``failing`` ids (status, error type)."""
    failing = failing or {}
    items = []
    for action, _ in operations:
        op, meta = next(iter(action.items()))
        if meta["_id"] in failing:
            status, error = failing[meta["_id"]]
            items.append({op: {"_index": meta["_index"], "_id": meta["_id"], "status": status,
                               "error": {"type": error, "reason": f"{error} on {meta['_id']}"}}})
        else:
            items.append({op: {"_index": meta["_index"], "_id": meta["_id"], "status": 201, "result": "created"}})
    return {"took": 1, "errors": bool(failing), "items": items}
