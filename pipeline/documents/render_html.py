"""Administrative documents as self-contained HTML (charts inlined), and as PDF through WeasyPrint.

The PDF is the HTML printed, so the two never disagree. Fonts: "Times New Roman" first; where it is not
installed fontconfig maps it to Liberation Serif (Debian's fonts-liberation2), whose metrics are the same.
"""

from __future__ import annotations

import base64
from html import escape

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

_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm; @top-center { content: counter(page); font-size: 11pt; } }
@page :first { @top-center { content: none; } }
body { font-family: "%(font)s", "Liberation Serif", "Tinos", serif; font-size: %(size)dpt; line-height: 1.3;
       max-width: 165mm; margin: 0 auto; color: #000; }
table.head { width: 174mm; margin-left: -6mm; border-collapse: collapse; table-layout: fixed; }
table.sign { width: 100%%; border-collapse: collapse; }
table.head td, table.sign td { vertical-align: top; text-align: center; padding: 0; }
table.sign td.recipients { text-align: left; }
.upper { text-transform: uppercase; }
.parent { font-size: %(small)dpt; white-space: nowrap; }
.issuer { font-weight: bold; font-size: %(small)dpt; white-space: nowrap; }
.rule { width: 38%%; margin: 1pt auto 0 auto; border-top: 1px solid #000; height: 0; }
.motto { font-weight: bold; text-decoration: underline; white-space: nowrap; }
.national { font-weight: bold; font-size: %(small)dpt; white-space: nowrap; }
.dateline { font-style: italic; margin-top: 6pt; }
h1 { font-size: %(big)dpt; text-align: center; margin: 14pt 0 0 0; }
h2.subtitle { font-size: %(size)dpt; text-align: center; margin: 0 0 10pt 0; }
h3 { font-size: %(size)dpt; margin: 10pt 0 4pt 0; page-break-after: avoid; }
h4 { font-size: %(size)dpt; margin: 6pt 0 4pt 1cm; page-break-after: avoid; }
p { text-align: justify; text-indent: 1cm; margin: 0 0 4pt 0; }
table.data { border-collapse: collapse; margin: 6pt auto 2pt auto; font-size: %(small)dpt; }
table.data th, table.data td { border: 1px solid #000; padding: 2pt 5pt; }
table.data td { text-align: center; } table.data td:first-child { text-align: left; }
.caption { text-align: center; font-style: italic; text-indent: 0; font-size: %(small)dpt; }
figure { margin: 6pt 0; text-align: center; page-break-inside: avoid; } figure img { width: 150mm; }
.entry { margin: 4pt 0 6pt 0; page-break-inside: avoid; }
.entry .title { font-weight: bold; } .entry .source { font-style: italic; }
.entry .note { font-style: italic; } .entry .link { font-size: 10pt; word-break: break-all; }
.recipients { text-align: left; font-size: 11pt; } .recipients b { font-size: 12pt; font-style: italic; }
.signer { font-weight: bold; } .signature-space { height: 60pt; }
"""


def render_html(document: Document) -> str:
    document = xml_safe_tree(document)
    head = document.letterhead
    css = _CSS % {"font": document.font_name, "size": document.font_size, "small": document.font_size - 1,
                  "big": document.font_size + 1}
    parts = [
        "<!DOCTYPE html>", '<html lang="vi"><head><meta charset="utf-8">',
        f"<title>{escape(document.title)} - {escape(document.subtitle)}</title><style>{css}</style></head><body>",
        # ND 30/2020 (form 1.1): the issuing body in bold capitals with a short rule (1/3 to 1/2 of its length)
        # centred below it, never underlined whole; each name on one line.
        '<table class="head"><colgroup><col style="width:80mm"><col style="width:94mm"></colgroup><tr><td>',
        f'<div class="upper parent">{escape(head.parent_body)}</div>' if head.parent_body else "",
        f'<div class="upper issuer">{escape(head.issuing_body)}</div><div class="rule"></div>',
        f'<div class="number" style="margin-top:6pt">{escape(head.number_line)}</div></td>',
        f'<td><div class="national">{NATIONAL_NAME}</div><div class="motto">{NATIONAL_MOTTO}</div>',
        f'<div class="dateline">{escape(head.date_line)}</div></td></tr></table>',
        f"<h1>{escape(document.title)}</h1>",
        f'<h2 class="subtitle">{escape(document.subtitle)}</h2>' if document.subtitle else "",
        f'<p style="text-align:center;text-indent:0">{escape(document.addressee)}</p>' if document.addressee else "",
    ]
    for block in document.blocks:
        parts.append(_block(block))
    sign = document.signature
    recipients = "".join(
        f"<div>- {escape(r.rstrip(';.'))}{'.' if i == len(document.recipients) - 1 else ';'}</div>"
        for i, r in enumerate(document.recipients)
    )
    parts += [
        '<table class="sign" style="margin-top:14pt;page-break-inside:avoid"><tr>',
        f'<td class="recipients" style="width:48%"><b>Nơi nhận:</b>{recipients}</td><td>',
        f'<div class="signer upper">{escape(sign.authority)}</div>' if sign.authority else "",
        f'<div class="signer upper">{escape(sign.title)}</div><div class="signature-space"></div>',
        f'<div class="signer">{escape(sign.name_line)}</div></td></tr></table>',
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _block(block: object) -> str:
    if isinstance(block, Heading):
        tag = "h3" if block.level == 1 else "h4"
        return f"<{tag}>{escape(block.text)}</{tag}>"
    if isinstance(block, Paragraph):
        style = ("font-weight:bold;" if block.bold else "") + ("font-style:italic;" if block.italic else "")
        return f'<p style="{style}">{escape(block.text)}</p>' if style else f"<p>{escape(block.text)}</p>"
    if isinstance(block, Table):
        header = "".join(f"<th>{escape(c)}</th>" for c in block.columns)
        rows = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in block.rows)
        caption = f'<p class="caption">{escape(block.caption)}</p>' if block.caption else ""
        columns = "".join(f'<col style="width:{w}cm">' for w in block.widths)
        return f'<table class="data">{columns}<tr>{header}</tr>{rows}</table>{caption}'
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        return (f'<figure><img alt="{escape(block.caption)}" src="data:image/png;base64,{data}">'
                f'<p class="caption">{escape(block.caption)}</p></figure>')
    if isinstance(block, EntryList):
        if not block.entries:
            return f'<p style="font-style:italic">{escape(block.empty_text)}</p>'
        out = []
        for number, entry in enumerate(block.entries, 1):
            notes = "".join(f'<p class="note">- {escape(n)}</p>' for n in entry.notes)
            out.append(
                f'<div class="entry"><p><span class="title">{block.marker(number)} {escape(entry.title)}</span> '
                f'<span class="source">({escape(entry.source_line)})</span></p><p>{escape(entry.summary)}</p>{notes}'
                f'<p class="link">Đường dẫn: <a href="{escape(entry.url)}">{escape(entry.url)}</a></p></div>'
            )
        return "\n".join(out)
    raise TypeError(f"unknown block {block!r}")


def render_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(document)).write_pdf()
