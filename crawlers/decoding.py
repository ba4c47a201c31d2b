"""Bytes to text for pages and feeds, whatever they declare.

Vietnamese sites declare their charset wrongly often enough (a UTF-8 feed labelled ISO-8859-1, a TCVN3
page labelled Windows-1252) that the declaration is a hint, not the truth: valid UTF-8 is UTF-8, a legacy
Vietnamese charset that is declared is trusted, and the rest is settled by ``pipeline.core.legacy``, which
recognises Vietnamese syllables.
"""

from __future__ import annotations

import codecs
import re

from pipeline.core.legacy import decode_legacy_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.IGNORECASE)
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
# Declarations that only say "8-bit Western" or "UTF-8": for Vietnamese text they are often wrong, so the
# bytes decide (see module docstring). Any other declared charset is honoured when the bytes fit it.
_WEAK_DECLARATIONS = {"utf-8", "utf8", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset the HTTP header, an HTML meta tag or the XML declaration claims, in that order."""
    if content_type:
        found = _CHARSET_PARAM.search(content_type)
        if found:
            return found.group(1).lower()
    head = body[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        found = pattern.search(head)
        if found:
            return found.group(1).decode("ascii").lower()
    return None


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """The text of a page or feed (NFC), read as described in the module docstring."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    declared = declared_charset(body, content_type)
    if declared and declared not in _WEAK_DECLARATIONS:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            codec = None
        if codec and codec not in ("cp1258",):
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                pass
    return decode_legacy_bytes(body, declared)


def as_utf8_xml(text: str) -> bytes:
    """XML text re-encoded as UTF-8 with its declaration saying so, for parsers that trust declarations."""
    text = re.sub(r"""(<\?xml[^>]*encoding\s*=\s*["'])[^"']+(["'])""", r"\1utf-8\2", text, count=1)
    return text.encode("utf-8")
