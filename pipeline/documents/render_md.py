"""Administrative documents as Markdown: for e-mail bodies, chat and version control.

Charts are inlined as data URIs so the file stands alone, as the other formats do.
"""

from __future__ import annotations

import base64

from pipeline.documents.document import (
    NATIONAL_MOTTO,
    NATIONAL_NAME,
    Document,
    EntryList,
    Figure,
    Heading,
    Paragraph,
    Table,
    xml_safe_tree,
)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_md(document: Document) -> str:
    document = xml_safe_tree(document)
    head = document.letterhead
    lines = [line for line in (head.parent_body.upper(), f"**{head.issuing_body.upper()}**", head.number_line) if line]
    lines = [" \\\n".join(lines), "", f"**{NATIONAL_NAME}** \\", f"**{NATIONAL_MOTTO}**", "", f"*{head.date_line}*",
             "", f"# {document.title}", ""]
    if document.subtitle:
        lines += [f"**{document.subtitle}**", ""]
    if document.addressee:
        lines += [document.addressee, ""]
    for block in document.blocks:
        lines += _block(block) + [""]
    sign = document.signature
    lines += ["---", "", "**Nơi nhận:**", ""]
    lines += [f"- {r.rstrip(';.')}{'.' if i == len(document.recipients) - 1 else ';'}"
              for i, r in enumerate(document.recipients)]
    signer = [f"**{line.upper()}**" for line in (sign.authority, sign.title) if line]
    signer += ["", "", f"**{sign.name_line}**"]
    lines += ["", " \\\n".join(signer), ""]
    return "\n".join(lines)


def _block(block: object) -> list[str]:
    if isinstance(block, Heading):
        return [f"{'##' if block.level == 1 else '###'} {block.text}"]
    if isinstance(block, Paragraph):
        text = f"**{block.text}**" if block.bold else f"*{block.text}*" if block.italic else block.text
        return [text]
    if isinstance(block, Table):
        out = ["| " + " | ".join(_cell(c) for c in block.columns) + " |",
               "|" + "|".join("---" for _ in block.columns) + "|"]
        out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in block.rows]
        return out + (["", f"*{block.caption}*"] if block.caption else [])
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        return [f"![{block.caption}](data:image/png;base64,{data})", "", f"*{block.caption}*"]
    if isinstance(block, EntryList):
        if not block.entries:
            return [f"*{block.empty_text}*"]
        out = []
        for number, entry in enumerate(block.entries, 1):
            out += [f"{block.marker(number)} **{entry.title}** (*{entry.source_line}*)", f"   {entry.summary}"]
            out += [f"   - *{note}*" for note in entry.notes]
            out += [f"   - Đường dẫn: <{entry.url}>", ""]
        return out
    raise TypeError(f"unknown block {block!r}")
