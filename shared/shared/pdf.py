"""Printable badges and passes (A6 PDF, or four A6 to an A4 sheet) with real Arabic shaping and right-to-left lines.

fpdf2 shapes text with HarfBuzz (uharfbuzz) and orders mixed lines with its bidi
algorithm, so Arabic letters join and read right to left; the fonts are the ones
the pages use (Noto Sans Arabic and Noto Sans, OFL, in ``shared/web/static/fonts``).
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fpdf import FPDF

from shared.web import STATIC_DIR

FONTS = STATIC_DIR / "fonts"
BRAND = (11, 110, 79)


@dataclass(frozen=True)
class Line:
    text: str
    size: float = 12
    bold: bool = False


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in text)


@dataclass(frozen=True)
class Card:
    heading: str
    lines: Sequence[Line]
    qr_png: bytes
    footer: str = ""
    rtl: bool = False


def card_pdf(*, heading: str, lines: Sequence[Line], qr_png: bytes, footer: str = "", rtl: bool = False) -> bytes:
    """One A6 card: a coloured heading band, the lines centred, the QR code, a small footer."""
    return cards_pdf([Card(heading=heading, lines=lines, qr_png=qr_png, footer=footer, rtl=rtl)])


def _document(page: tuple[float, float] | str) -> FPDF:
    pdf = FPDF(format=page, unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0)
    pdf.add_font("latin", fname=str(FONTS / "NotoSans-Regular.ttf"))
    pdf.add_font("arabic", fname=str(FONTS / "NotoSansArabic-Regular.ttf"))
    # Each font lacks the other's script: a missing glyph falls back to the other one, so mixed lines work.
    pdf.set_fallback_fonts(["latin", "arabic"])
    return pdf


def cards_pdf(cards: Iterable[Card]) -> bytes:
    """Many A6 cards in one file, one a page (badges printed in bulk on A6 card stock)."""
    pdf = _document(A6)
    for card in cards:
        pdf.add_page()
        _card(pdf, card, Box(0, 0, *A6))
    return bytes(pdf.output())


def sheets_pdf(cards: Iterable[Card]) -> bytes:
    """The same A6 cards four to an A4 page (two by two), with cut marks, for an office printer."""
    pdf = _document("A4")
    width, height = A6[0], pdf.h / 2
    for index, card in enumerate(cards):
        if index % 4 == 0:
            pdf.add_page()
            _cut_marks(pdf, width, height)
        column, row = index % 2, index % 4 // 2
        _card(pdf, card, Box(column * width, row * height, width, height))
    return bytes(pdf.output())


@dataclass(frozen=True)
class Box:
    """Where a card is drawn on its page (mm): its top-left corner and size."""

    x: float
    y: float
    w: float
    h: float


A6 = (105.0, 148.0)
CARD_MARGIN = 10.0
CUT_MARK = 6.0


def _cut_marks(pdf: FPDF, width: float, height: float) -> None:
    """Short lines where the guillotine goes: at the middle of each edge and a cross at the centre."""
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    pdf.line(width, 0, width, CUT_MARK)
    pdf.line(width, pdf.h - CUT_MARK, width, pdf.h)
    pdf.line(0, height, CUT_MARK, height)
    pdf.line(pdf.w - CUT_MARK, height, pdf.w, height)
    pdf.line(width - CUT_MARK / 2, height, width + CUT_MARK / 2, height)
    pdf.line(width, height - CUT_MARK / 2, width, height + CUT_MARK / 2)


def _card(pdf: FPDF, card: Card, box: Box) -> None:
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if card.rtl else "ltr")
    left, width = box.x + CARD_MARGIN, box.w - 2 * CARD_MARGIN

    pdf.set_fill_color(*BRAND)
    pdf.rect(box.x, box.y, box.w, 24, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(left, box.y + 4)
    _write(pdf, card.heading, size=12, left=left, width=width)
    pdf.set_text_color(20, 20, 20)
    pdf.set_y(box.y + 28)
    for line in card.lines:
        if line.text:
            _write(pdf, line.text, size=line.size, left=left, width=width)

    qr_size = 52.0
    top = max(pdf.get_y() + 2, box.y + 60.0)
    top = min(top, box.y + box.h - qr_size - 12)
    pdf.image(io.BytesIO(card.qr_png), x=box.x + (box.w - qr_size) / 2, y=top, w=qr_size, h=qr_size)
    if card.footer:
        pdf.set_xy(left, box.y + box.h - 10)
        pdf.set_text_color(90, 90, 90)
        _write(pdf, card.footer, size=7, left=left, width=width)


def _write(pdf: FPDF, text: str, *, size: float, left: float, width: float) -> None:
    # Lines that are mostly Arabic start with the Arabic font so the shaper sees whole words.
    pdf.set_font("arabic" if _has_arabic(text) else "latin", size=size)
    pdf.set_x(left)
    pdf.multi_cell(width, size * 0.5, text, align="C", new_x="LEFT", new_y="NEXT")


__all__ = ["Card", "Line", "card_pdf", "cards_pdf", "sheets_pdf"]
