"""Files an organizer takes away from a market: the exhibitor passes to print in one PDF, and
the attendance and the sales per category as CSV.

Organizers read exact figures (their report is not anonymised); the CSV cells that come from
people are neutralised so that a spreadsheet never runs them (``shared.csvfile``).
"""

import asyncio
from collections.abc import Awaitable, Callable

from marketplace.checkin import attendance, pass_token
from marketplace.context import Marketplace
from marketplace.records import Assignment, Market
from marketplace.sales import sales_report
from marketplace.service import market_of
from shared.csvfile import csv_bytes
from shared.errors import Conflict
from shared.formats import amount_text, day_text, list_text
from shared.i18n import translate
from shared.pdf import Card, Line, cards_pdf
from shared.qr import qr_png

Progress = Callable[[int, int], Awaitable[None]]


def _card(ctx: Marketplace, market: Market, held: Assignment, cooperative: str, lang: str) -> Card:
    token = pass_token(ctx, pass_id=held.pass_id, market_id=market.id, cooperative_id=held.cooperative_id,
                       stand_number=held.stand_number)
    return Card(heading=market.name.pick(lang), rtl=lang == "ar", footer=held.pass_id, qr_png=qr_png(token), lines=[
        Line(translate("ui_exhibitor_pass", lang), 14), Line(cooperative, 13),
        Line(translate("ui_exhibitor_stand", lang, n=held.stand_number), 13),
        Line(f"{market.venue} · {market.city}", 9),
        Line(list_text([day_text(d, lang) for d in market.days[:6]], lang), 8)])


async def market_passes_pdf(*, ctx: Marketplace, market_id: str, lang: str,
                            progress: Progress | None = None) -> bytes:
    """Every current exhibitor pass of the market, one A6 page each by stand number, names shaped."""
    market = await market_of(ctx, market_id)
    held = sorted(await ctx.store.active_assignments(market_id), key=lambda a: a.stand_number)
    if not held:
        raise Conflict("market_no_passes")
    names = await ctx.store.cooperatives_by_id([a.cooperative_id for a in held])
    cards = []
    for done, holder in enumerate(held, start=1):
        name = names[holder.cooperative_id].name.pick(lang) if holder.cooperative_id in names \
            else holder.cooperative_id
        cards.append(_card(ctx, market, holder, name, lang))
        if progress is not None:
            await progress(done, len(held))
        # A code is about 2 ms of the event loop: requests go between two.
        await asyncio.sleep(0)
    # Laying out hundreds of pages takes a while: off the event loop, so requests keep being answered.
    return await asyncio.to_thread(cards_pdf, cards)


async def attendance_csv(*, ctx: Marketplace, market_id: str, lang: str) -> bytes:
    """One line per opening day: exhibitors expected, checked in, absent."""
    found = await attendance(ctx=ctx, market_id=market_id)
    header = [translate(f"export_{c}", lang) for c in ("day", "expected", "checked_in", "no_shows")]
    return csv_bytes(header, ([d.day, d.expected, d.checked_in, len(d.no_shows)] for d in found.days))


async def sales_csv(*, ctx: Marketplace, market_id: str, lang: str) -> bytes:
    """One line per product category: cooperatives, amount in dirhams (a number, then as the language writes it)."""
    report = await sales_report(ctx=ctx, market_id=market_id)
    header = [translate(f"export_{c}", lang) for c in ("category", "cooperatives", "amount_mad", "amount_text")]
    rows = [[translate(f"ui_sector_{f.key}", lang), f.cooperatives, f.amount_mad,
             amount_text(f.amount_mad or 0, lang)] for f in report.aggregates.by_category]
    total = report.aggregates.total_mad or 0
    rows.append([translate("console_total", lang), report.aggregates.cooperatives, total, amount_text(total, lang)])
    return csv_bytes(header, rows)
