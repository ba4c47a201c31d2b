"""Telegram public channel previews (https://t.me/s/NAME): each message becomes an item."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from crawlers.dates import parse_date
from pipeline.core.text import normalize

_BACKGROUND_URL = re.compile(r"background-image:\s*url\(['\"]?([^'\")]+)")


@dataclass(frozen=True)
class Post:
    url: str
    text: str
    published: datetime | None
    author: str
    image: str
    html: bytes


def _text(node: object) -> str:
    for br in node.xpath(".//br"):  # type: ignore[attr-defined]
        br.tail = "\n" + (br.tail or "")
    return normalize(node.text_content())  # type: ignore[attr-defined]


def parse_preview(page: str, page_url: str) -> list[Post]:
    tree = lxml_html.fromstring(page)
    channel = normalize("".join(tree.xpath('//*[contains(@class,"tgme_channel_info_header_title")]//text()')),
                        keep_newlines=False)
    posts = []
    for message in tree.xpath('//div[contains(@class,"tgme_widget_message") and @data-post]'):
        text_nodes = message.xpath('.//div[contains(@class,"tgme_widget_message_text")]')
        text = _text(text_nodes[0]) if text_nodes else ""
        if not text:
            continue
        times = message.xpath(".//time/@datetime")
        owner = message.xpath('.//*[contains(@class,"tgme_widget_message_owner_name")]//text()')
        styles = message.xpath('.//*[contains(@class,"tgme_widget_message_photo_wrap")]/@style')
        image = next((m.group(1) for s in styles if (m := _BACKGROUND_URL.search(s))), "")
        posts.append(Post(
            url=urljoin(page_url, "/" + message.get("data-post").strip("/")),
            text=text,
            published=parse_date(times[0]) if times else None,
            author=normalize("".join(owner), keep_newlines=False) or channel,
            image=image,
            html=etree.tostring(message, encoding="utf-8"),
        ))
    return posts
