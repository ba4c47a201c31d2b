"""An Elasticsearch-compatible server for the tests: noida-db (PyPI, Elasticsearch 8.15's REST API in one
binary), started once per test session on 127.0.0.1 with a fresh data directory and stopped by PID.

`DIEMTIN_TEST_ES_URL` names a real cluster to run the same tests against as well.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from pipeline.core.settings import Settings
from pipeline.core.store import open_store
from pipeline.core.store.elastic import ElasticStore
from pipeline.core.store.elastic_setup import drop_indices

REAL_CLUSTER_ENV = "DIEMTIN_TEST_ES_URL"
_server: dict[str, object] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary() -> Path | None:
    try:
        path = Path(str(resources.files("noida_db").joinpath("noida-db")))
    except ModuleNotFoundError:
        return None
    if not path.is_file():
        return None
    path.chmod(0o755)
    return path


def _stop() -> None:
    process = _server.get("process")
    if isinstance(process, subprocess.Popen) and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    data_dir = _server.get("data_dir")
    if isinstance(data_dir, str):
        shutil.rmtree(data_dir, ignore_errors=True)


def noida_url() -> str:
    """The session's noida-db URL, starting the server on first use; skips (saying why) if it cannot run."""
    if "url" in _server:
        return str(_server["url"])
    if "error" in _server:
        pytest.skip(str(_server["error"]))
    binary = _binary()
    if binary is None:
        _server["error"] = "noida-db is not installed (pip install -e '.[test]'): Elasticsearch tests skipped"
        pytest.skip(str(_server["error"]))
    data_dir = tempfile.mkdtemp(prefix="diemtin-noida-")
    port = _free_port()
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 - the server writes to it until stopped
    process = subprocess.Popen(
        [str(binary), "start", "--data-dir", data_dir, "--host", "127.0.0.1", "--only", "elasticsearch",
         "--elasticsearch-port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    _server.update(process=process, data_dir=data_dir)
    atexit.register(_stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    _server["url"] = url
                    return url
        except OSError:
            time.sleep(0.1)
    _stop()
    output = (Path(data_dir) / "server.log").read_bytes().decode(errors="replace")[-500:]
    _server["error"] = f"noida-db did not start on {url}: {output}"
    pytest.fail(str(_server["error"]))


def real_cluster_url() -> str:
    url = os.environ.get(REAL_CLUSTER_ENV, "").strip()
    if not url:
        pytest.skip(f"no real Elasticsearch cluster: set {REAL_CLUSTER_ENV}=http://host:9200 to run these "
                    "tests against one (e.g. `docker compose up elasticsearch`)")
    return url


def fresh_prefix() -> str:
    """Each test gets its own indices on the shared server."""
    return f"test-{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def fresh_elastic_store(url: str, **store_settings: object) -> Iterator[ElasticStore]:
    """An ElasticStore on its own indices, deleted afterwards (by name, as real clusters require)."""
    prefix = fresh_prefix()
    settings = Settings({"store": {"index_prefix": prefix, "replicas": 0, **store_settings}})
    store = open_store(url, tempfile.gettempdir(), settings)
    assert isinstance(store, ElasticStore)
    try:
        yield store
    finally:
        drop_indices(store.client, prefix)
        store.close()
