"""Storage: `open_store` picks the backend from the store URL in the home's configuration."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.settings import Settings
from pipeline.core.store.base import ItemQuery, NotFound, SearchResult, Store, StoreError

__all__ = ["ItemQuery", "NotFound", "SearchResult", "Store", "StoreError", "open_store"]


def open_store(url: str | None, home_path: str | Path, settings: Settings | None = None) -> Store:
    """"embedded" (the default) keeps everything in the home folder; an http(s) URL is an Elasticsearch cluster."""
    settings = settings or Settings()
    url = url or "embedded"
    if url == "embedded":
        from pipeline.core.store.sqlite import SqliteStore

        return SqliteStore(Path(home_path), settings)
    if url.startswith(("http://", "https://")):
        from pipeline.core.store.elastic import ElasticStore

        return ElasticStore(url, settings)
    raise StoreError(f"unknown store URL {url!r}: use 'embedded' or an http(s) URL of an Elasticsearch cluster")
