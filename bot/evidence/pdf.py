"""The pack as a PDF (ReportLab), with the data attached as `evidence-data.json` (pypdf).

Chinese shows through ReportLab's built-in CID font STSong-Light (the reader's viewer supplies
the glyphs from Adobe's Asian font pack or its own fallback), so no font file ships with the
product. Latin text is set in Helvetica in both languages; any run Helvetica cannot draw (Chinese,
a Cyrillic name) switches to STSong-Light.
"""

from __future__ import annotations

import io
import json
from typing import Any
from xml.sax.saxutils import escape

from .layout import Block, Heading, Para, Table

CJK_FONT = "STSong-Light"
ATTACHMENT = "evidence-data.json"


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


# STSong-Light's GB encoding draws the middle dot as U+30FB; without this it shows a missing glyph.
_CJK_SUBSTITUTES = str.maketrans({"\u00b7": "\u30fb"})


def _in_base_font(char: str) -> bool:
    """Helvetica (WinAnsi) has Latin-1 and the typographic quotes, dashes, bullet and ellipsis."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _markup(text: str, base: str = "Helvetica") -> str:
    """Escaped Paragraph markup; runs Helvetica cannot draw (Chinese, Cyrillic ...) are set in the CJK font.

    Latin text stays in Helvetica in both languages: STSong-Light lacks accented letters, the bullet
    and the en dash, which names, reasons and policy texts contain.
    """
    out: list[str] = []
    run: list[str] = []
    wide = False
    for char in text:
        is_wide = not _in_base_font(char)
        if run and is_wide != wide:
            out.append(_run("".join(run), wide))
            run = []
        wide = is_wide
        run.append(char)
    if run:
        out.append(_run("".join(run), wide))
    return "".join(out).replace("\n", "<br/>")


def _run(text: str, wide: bool) -> str:
    return f'<font name="{CJK_FONT}">{escape(text.translate(_CJK_SUBSTITUTES))}</font>' if wide else escape(text)


def render(title: str, blocks: list[Block], data: dict[str, Any], lang: str, footer: list[str], page_label: Any,
           canonical_json: bytes, sha256: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    _register()
    base, bold = "Helvetica", "Helvetica-Bold"  # Chinese runs switch to STSong-Light (_markup)
    wrap = "CJK" if lang == "zh" else None

    def style(name: str, size: float, font: str = base, leading: float | None = None, **extra: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.3, wordWrap=wrap,
                              splitLongWords=1, **extra)

    styles = {
        "h1": style("h1", 15, bold, spaceAfter=6),
        "h2": style("h2", 12, bold, spaceBefore=10, spaceAfter=4),
        "h3": style("h3", 10, bold, spaceBefore=6, spaceAfter=3),
        "p": style("p", 9, spaceAfter=3),
        "small": style("small", 7.5, textColor=colors.HexColor("#444444"), spaceAfter=3),
        "cell": style("cell", 7.5),
        "head": style("head", 7.5, bold),
        "mono": style("mono", 8, "Courier", spaceAfter=3),
    }
    # wordWrap=None on a style means "split on spaces": long URLs and JSON still break (splitLongWords)
    buffer = io.BytesIO()
    margin = 15 * mm
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=title, author="tradecheck", subject="evidence pack",
                            lang="zh-CN" if lang == "zh" else "en")
    width = A4[0] - 2 * margin
    story: list[Any] = [Paragraph(_markup(title, bold), styles["h1"])]
    for block in blocks:
        if isinstance(block, Heading):
            story.append(Paragraph(_markup(block.text, bold), styles["h2" if block.level <= 2 else "h3"]))
        elif isinstance(block, Para):
            key = "mono" if block.mono else "small" if block.small else "p"
            story.append(Paragraph(_markup(block.text, base), styles[key]))
        elif isinstance(block, Table):
            weights = block.widths or [1.0] * len(block.headers)
            total = sum(weights)
            rows = [[Paragraph(_markup(h, bold), styles["head"]) for h in block.headers]]
            rows += [[Paragraph(_markup(c, base), styles["cell"]) for c in row] for row in block.rows]
            table = LongTable(rows, colWidths=[width * w / total for w in weights], repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]))
            story += [table, Spacer(1, 3)]
    story.append(Spacer(1, 8))
    for i, line in enumerate(footer):
        story.append(Paragraph(_markup(line, base), styles["mono" if i == 0 else "small"]))

    def on_page(canvas: Any, document: Any) -> None:
        canvas.saveState()
        label = page_label(document.page)
        if lang == "zh":
            canvas.setFont(CJK_FONT, 7)
            label = label.translate(_CJK_SUBSTITUTES)
        else:
            canvas.setFont(base, 7)
        canvas.drawRightString(A4[0] - margin, 8 * mm, label)
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return _attach(buffer.getvalue(), canonical_json, sha256)


def _attach(pdf: bytes, payload: bytes, sha256: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(ATTACHMENT, payload)
    writer.add_metadata({"/EvidenceDataSHA256": sha256})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def extract(content: bytes) -> dict[str, Any] | None:
    """The attached data of a PDF pack, or None."""
    from pypdf import PdfReader

    try:
        attachments = PdfReader(io.BytesIO(content)).attachments
    except Exception:
        return None
    found = attachments.get(ATTACHMENT)
    return json.loads(found[0]) if found else None


def stated_hash(content: bytes) -> str | None:
    from pypdf import PdfReader

    try:
        metadata = PdfReader(io.BytesIO(content)).metadata or {}
    except Exception:
        return None
    value = metadata.get("/EvidenceDataSHA256")
    return str(value) if value else None
