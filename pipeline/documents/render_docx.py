"""Administrative documents as DOCX (python-docx), laid out as Nghị định 30/2020/NĐ-CP asks.

A4, margins 20/20/30/15 mm, Times New Roman 13-14 pt; the letterhead is a borderless two-column table
(issuing body left, national name and motto right), the signature block and "Nơi nhận" another one.
Offices edit and sign DOCX, so this is the format that must look right in Word and LibreOffice.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

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

_CONTENT_WIDTH = Cm(16.5)  # A4 width less 30 mm and 15 mm margins


def render_docx(document: Document) -> bytes:
    document = xml_safe_tree(document)
    doc = new_docx()
    _page_setup(doc, document)
    _letterhead(doc, document)
    _centered(doc.add_paragraph(), document.title, bold=True, size=document.font_size + 1, space_before=12)
    if document.subtitle:
        _centered(doc.add_paragraph(), document.subtitle, bold=True, size=document.font_size)
    if document.addressee:
        _centered(doc.add_paragraph(), document.addressee, size=document.font_size, space_before=6)
    for block in document.blocks:
        if isinstance(block, Heading):
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(8 if block.level == 1 else 4)
            paragraph.paragraph_format.keep_with_next = True
            paragraph.add_run(block.text).bold = True
            if block.level > 1:
                paragraph.paragraph_format.first_line_indent = Cm(1)
        elif isinstance(block, Paragraph):
            _body(doc.add_paragraph(), block.text, bold=block.bold, italic=block.italic)
        elif isinstance(block, Table):
            _table(doc, block, document.font_size - 1)
        elif isinstance(block, Figure):
            doc.add_picture(io.BytesIO(block.png), width=Cm(15))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _centered(doc.add_paragraph(), block.caption, italic=True, size=document.font_size - 1)
        elif isinstance(block, EntryList):
            _entries(doc, block)
    _signature(doc, document)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _page_setup(doc: object, document: Document) -> None:
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]  # type: ignore[attr-defined]
    normal.font.name = document.font_name
    normal.font.size = Pt(document.font_size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), document.font_name)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.1
    # ND 30/2020: page numbers centred in the header, from the second page on.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    number._p.append(field)


def _centered(paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False,
              underline: bool = False, size: int | None = None, space_before: int = 0) -> DocxParagraph:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(space_before)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    if size:
        run.font.size = Pt(size)
    return paragraph


def _body(paragraph: DocxParagraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.paragraph_format.space_after = Pt(4)
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic


def _borderless(doc: object, widths: list[Cm], indent: Cm | None = None, cell_margin: Cm | None = None) -> list[_Cell]:
    table = doc.add_table(rows=1, cols=len(widths))  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER if indent is None else WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    cells = list(table.rows[0].cells)
    # Word reads the cell widths, LibreOffice the grid columns: set both.
    for column, cell, width in zip(table.columns, cells, widths, strict=True):
        column.width = width
        cell.width = width
    properties = table._tbl.tblPr
    if indent is not None:
        element = OxmlElement("w:tblInd")
        element.set(qn("w:w"), str(int(indent / 635)))  # EMU -> twentieths of a point
        element.set(qn("w:type"), "dxa")
        _insert_in_order(properties, element, ("w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"))
    if cell_margin is not None:
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            edge = OxmlElement(f"w:{side}")
            edge.set(qn("w:w"), str(int(cell_margin / 635)))
            edge.set(qn("w:type"), "dxa")
            margins.append(edge)
        _insert_in_order(properties, margins, ("w:tblLook", "w:tblCaption", "w:tblDescription"))
    return cells


def _insert_in_order(parent: object, element: object, successors: tuple[str, ...]) -> None:
    """Word reads a table's properties in the schema's order: put ``element`` before the first successor."""
    for name in successors:
        found = parent.find(qn(name))  # type: ignore[attr-defined]
        if found is not None:
            found.addprevious(element)
            return
    parent.append(element)  # type: ignore[attr-defined]


def _text_width_cm(text: str, size_pt: float) -> float:
    """About how wide a bold Times New Roman line is (average capital advance ~0.68 em)."""
    return len(text) * 0.68 * size_pt / 72 * 2.54


def _rule_below(paragraph: DocxParagraph, issuer_width_cm: float, cell_width_cm: float) -> None:
    """ND 30/2020: under the issuing body, a solid rule of 1/3 to 1/2 of the name's length, centred: an empty
    paragraph indented on both sides whose bottom border is the rule."""
    rule = min(issuer_width_cm, cell_width_cm) * 0.4
    side = max(0.0, (cell_width_cm - rule) / 2)
    paragraph.paragraph_format.left_indent = Cm(side)
    paragraph.paragraph_format.right_indent = Cm(side)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    run = paragraph.add_run("")
    run.font.size = Pt(2)


def _letterhead(doc: object, document: Document) -> None:
    head = document.letterhead
    # A little wider than the text (into the 30 mm left margin, as offices' templates do) so that the body's
    # name and the national name each fit on one line at 12 pt.
    left, right = _borderless(doc, [Cm(8.0), Cm(9.4)], indent=Cm(-0.6), cell_margin=Cm(0.05))
    size = document.font_size
    first = left.paragraphs[0]
    if head.parent_body:
        _centered(first, head.parent_body.upper(), size=size - 1)
        first = left.add_paragraph()
    _centered(first, head.issuing_body.upper(), bold=True, size=size - 1)
    _rule_below(left.add_paragraph(), issuer_width_cm=_text_width_cm(head.issuing_body.upper(), size - 1),
                cell_width_cm=8.0)
    _centered(left.add_paragraph(), head.number_line, size=size, space_before=4)
    _centered(right.paragraphs[0], NATIONAL_NAME, bold=True, size=size - 1)
    _centered(right.add_paragraph(), NATIONAL_MOTTO, bold=True, underline=True, size=size)
    _centered(right.add_paragraph(), head.date_line, italic=True, size=size, space_before=6)


def _table(doc: object, block: Table, size: int) -> None:
    table = doc.add_table(rows=1, cols=len(block.columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, block.columns, strict=True):
        _centered(cell.paragraphs[0], name, bold=True, size=size)
    for row in block.rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, row, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if index == 0 else WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(str(value)).font.size = Pt(size)
    if block.widths:
        table.autofit = False
        for column, width in zip(table.columns, block.widths, strict=True):
            column.width = Cm(width)
            for cell in column.cells:
                cell.width = Cm(width)
    if block.caption:
        _centered(doc.add_paragraph(), block.caption, italic=True, size=size)  # type: ignore[attr-defined]


def _entries(doc: object, block: EntryList) -> None:
    if not block.entries:
        _body(doc.add_paragraph(), block.empty_text, italic=True)  # type: ignore[attr-defined]
        return
    for number, entry in enumerate(block.entries, 1):
        title = doc.add_paragraph()  # type: ignore[attr-defined]
        title.paragraph_format.first_line_indent = Cm(1)
        title.paragraph_format.space_before = Pt(4)
        title.paragraph_format.keep_with_next = True
        title.add_run(f"{block.marker(number)} ").bold = True
        title.add_run(entry.title).bold = True
        source = title.add_run(f" ({entry.source_line})")
        source.italic = True
        _body(doc.add_paragraph(), entry.summary)  # type: ignore[attr-defined]
        for note in entry.notes:
            _body(doc.add_paragraph(), f"- {note}", italic=True)  # type: ignore[attr-defined]
        link = doc.add_paragraph()  # type: ignore[attr-defined]
        link.paragraph_format.first_line_indent = Cm(1)
        link.add_run("Đường dẫn: ").font.size = Pt(10)
        _hyperlink(link, entry.url)


def _hyperlink(paragraph: DocxParagraph, url: str) -> None:
    """python-docx reads hyperlinks but has no call to add one: write the w:hyperlink element."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(RGBColor(0x0B, 0x43, 0x8C)))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "20")
    properties.extend([colour, underline, size])
    text = OxmlElement("w:t")
    text.text = url
    run.extend([properties, text])
    link.append(run)
    paragraph._p.append(link)


def _signature(doc: object, document: Document) -> None:
    doc.add_paragraph()  # type: ignore[attr-defined]
    left, right = _borderless(doc, [Cm(8), Cm(8.5)])
    heading = left.paragraphs[0]
    run = heading.add_run("Nơi nhận:")
    run.bold, run.italic = True, True
    run.font.size = Pt(12)
    for index, recipient in enumerate(document.recipients):
        end = "." if index == len(document.recipients) - 1 else ";"
        line = left.add_paragraph()
        line.add_run(f"- {recipient.rstrip(';.')}{end}").font.size = Pt(11)
    sign = document.signature
    first = right.paragraphs[0]
    if sign.authority:
        _centered(first, sign.authority.upper(), bold=True, size=document.font_size)
        first = right.add_paragraph()
    _centered(first, sign.title.upper(), bold=True, size=document.font_size)
    for _ in range(4):
        right.add_paragraph()
    _centered(right.add_paragraph(), sign.name_line, bold=True, size=document.font_size)
