"""One call to render a document in any format the office asks for."""

from __future__ import annotations

from pipeline.documents.document import Document

FORMATS = ("docx", "pdf", "html", "md")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def render(document: Document, fmt: str) -> bytes:
    if fmt == "docx":
        from pipeline.documents.render_docx import render_docx

        return render_docx(document)
    if fmt == "pdf":
        from pipeline.documents.render_html import render_pdf

        return render_pdf(document)
    if fmt == "html":
        from pipeline.documents.render_html import render_html

        return render_html(document).encode("utf-8")
    if fmt == "md":
        from pipeline.documents.render_md import render_md

        return render_md(document).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
