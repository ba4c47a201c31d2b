"""Item pipeline: a crawled article enters the raw queue exactly as ``diemtin ingest`` would put it, with
its raw HTML kept (compressed by the store) as evidence."""

from __future__ import annotations

from typing import Any

from pipeline.core.item import item_id


class StorePipeline:
    """Items are {"payload": raw-queue payload, "capture": raw bytes or None, "urls": [urls now done]}."""

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        spider = spider or self.spider
        context = spider.context
        payload = item["payload"]
        context.report.add_item(payload)
        if context.store is None:
            context.collected.append(payload)
            return item
        if item.get("capture"):
            context.store.put_capture(item_id(payload["url"]), item["capture"], payload["raw_html_sha256"],
                                      payload["fetched_at"], payload["url"])
        context.store.enqueue_raw([payload])
        context.state.succeeded(*item.get("urls", [payload["url"]]))
        return item

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = cls()
        pipeline.crawler = crawler
        return pipeline

    @property
    def spider(self) -> Any:
        return self.crawler.spider
