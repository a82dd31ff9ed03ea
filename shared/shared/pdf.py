"""Printable badges and passes (A6 PDF) with real Arabic shaping and right-to-left lines.

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


def cards_pdf(cards: Iterable[Card]) -> bytes:
    """Many A6 cards in one file, one a page (badges printed in bulk on A6 card stock)."""
    pdf = FPDF(format=(105, 148), unit="mm")  # A6
    pdf.set_auto_page_break(False)
    pdf.add_font("latin", fname=str(FONTS / "NotoSans-Regular.ttf"))
    pdf.add_font("arabic", fname=str(FONTS / "NotoSansArabic-Regular.ttf"))
    # Each font lacks the other's script: a missing glyph falls back to the other one, so mixed lines work.
    pdf.set_fallback_fonts(["latin", "arabic"])
    for card in cards:
        _card(pdf, card)
    return bytes(pdf.output())


def _card(pdf: FPDF, card: Card) -> None:
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if card.rtl else "ltr")
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin

    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, pdf.w, 24, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, 4)
    _write(pdf, card.heading, size=12, width=width)
    pdf.set_text_color(20, 20, 20)
    pdf.set_y(28)
    for line in card.lines:
        if line.text:
            _write(pdf, line.text, size=line.size, width=width)

    qr_size = 52.0
    top = max(pdf.get_y() + 2, 60.0)
    top = min(top, pdf.h - qr_size - 12)
    pdf.image(io.BytesIO(card.qr_png), x=(pdf.w - qr_size) / 2, y=top, w=qr_size, h=qr_size)
    if card.footer:
        pdf.set_xy(pdf.l_margin, pdf.h - 10)
        pdf.set_text_color(90, 90, 90)
        _write(pdf, card.footer, size=7, width=width)


def _write(pdf: FPDF, text: str, *, size: float, width: float) -> None:
    # Lines that are mostly Arabic start with the Arabic font so the shaper sees whole words.
    pdf.set_font("arabic" if _has_arabic(text) else "latin", size=size)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(width, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")


__all__ = ["Card", "Line", "card_pdf", "cards_pdf"]
