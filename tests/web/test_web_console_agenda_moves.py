"""Sessions moved on the programme console's grid in Chromium: a card dragged onto a free half hour and
the move saved; a card dragged onto a clash, the clash shown, nothing saved and the card put back; the
same moves from the keyboard through each card's "move" button; the move route's refusals; without a
script, the grid as before. In Arabic (right to left) and French, on a laptop-size and a phone-size window."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from agenda_console_support import FRESH, draft_programme, known_conference, shot
from playwright.async_api import Browser, Page
from web_support import CSRF, WINDOWS, serve, signed_in, text_of

from agenda.app import create_app
from agenda.settings import Settings
from support import Infra, Keys, settings_for
from tests.agenda.agenda_factories import DAY1, DAY2

pytestmark = pytest.mark.browser
# The conference of ``conference_message``: its grid's hours are Casablanca's.
ZONE = ZoneInfo("Africa/Casablanca")


def utc_of(day: str, clock: str) -> datetime:
    """A local hour of the conference as the API gives it back: in UTC."""
    return datetime.fromisoformat(f"{day}T{clock}:00").replace(tzinfo=ZONE).astimezone(UTC)


async def stored_place(http: httpx.AsyncClient, cid: str, org: dict[str, str], session_id: str
                       ) -> tuple[str, datetime, datetime]:
    listed = (await http.get(f"/conferences/{cid}/sessions", headers=org)).json()
    found = next(s for s in listed if s["id"] == session_id)
    return (found["room_id"], datetime.fromisoformat(found["starts_at"]).astimezone(UTC),
            datetime.fromisoformat(found["ends_at"]).astimezone(UTC))


async def box_of(page: Page, selector: str) -> dict[str, float]:
    box = await page.locator(selector).bounding_box()
    assert box is not None
    return {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}


async def in_grid(page: Page, session_id: str) -> tuple[float, float]:
    """Where a card is drawn within its day's grid (whatever the window's scroll)."""
    card, grid = await box_of(page, f"#cell-{session_id}"), await box_of(page, f"#day-{DAY1} .programme-grid")
    return card["x"] - grid["x"], card["y"] - grid["y"]


async def drag(page: Page, session_id: str, slot: str) -> None:
    """Grab the card near its top (its first half hour, away from its move button) and drop it on ``slot``,
    both in sight: the day's grid at the top of the window."""
    await page.evaluate("id => document.getElementById(id).scrollIntoView()", f"day-{DAY1}")
    card, place = await box_of(page, f"#cell-{session_id}"), await box_of(page, f"#{slot}")
    await page.mouse.move(card["x"] + card["width"] / 2, card["y"] + 8)
    await page.mouse.down()
    await page.mouse.move(place["x"] + place["width"] / 2, place["y"] + place["height"] / 2, steps=5)
    await page.mouse.up()


@dataclass
class OpenGrid:
    """The programme's grid open in an organizer's browser, and what checks it through the API."""

    page: Page
    http: httpx.AsyncClient
    cid: str
    org: dict[str, str]


@asynccontextmanager
async def grid_opened(infra: Infra, keys: Keys, browser: Browser, *, lang: str, window: str
                      ) -> AsyncIterator[OpenGrid]:
    """The agenda served with a draft programme, its grid open in an organizer's browser."""
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base, limits=FRESH) as http:
        cid = await known_conference(infra, settings, http)
        org = keys.headers("admin")
        await draft_programme(http, cid, org)
        context = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang=lang,
                                  window=window)
        try:
            page = await context.new_page()
            await page.goto(f"{base}/console/conferences/{cid}?lang={lang}")
            yield OpenGrid(page, http, cid, org)
        finally:
            await context.close()


async def dragged_onto_a_clash_then_put_back(page: Page, http: httpx.AsyncClient, cid: str, org: dict[str, str],
                                             lang: str) -> None:
    before = await in_grid(page, "s-two")
    # Amphi A holds s-open from 10:00 to 11:00: the clash shows at once, "save" stays off.
    await drag(page, "s-two", f"slot-{DAY1}-room-a-1000")
    await page.wait_for_selector("#move-findings-list li.hard[data-code='room_double_booked']")
    assert await page.is_disabled("#move-save")
    assert await page.is_visible("#move-panel")
    moved = await in_grid(page, "s-two")
    # The card shows at the dragged place: Amphi A is the first room, at the right in Arabic, the left in French.
    assert (moved[0] > before[0]) if lang == "ar" else (moved[0] < before[0])
    detail = await text_of(page, "#move-findings-list li.hard")
    assert "Séance s-open" in detail if lang == "fr" else "جلسة s-open" in detail
    await shot(page, "grid-drag-conflict", lang, "laptop")
    assert await text_of(page, "#cell-s-two .hours") == "10:00–11:00"
    await page.click("#move-back")
    assert await page.is_hidden("#move-panel")
    assert await in_grid(page, "s-two") == before
    assert await text_of(page, "#cell-s-two .hours") == "10:00–11:00"
    assert await stored_place(http, cid, org, "s-two") == ("room-b", utc_of(DAY1, "10:00"), utc_of(DAY1, "11:00"))


async def dragged_onto_a_free_place_and_saved(page: Page, http: httpx.AsyncClient, cid: str, org: dict[str, str],
                                              lang: str) -> None:
    await drag(page, "s-two", f"slot-{DAY1}-room-a-1530")
    await page.wait_for_selector("#move-note.ok")
    assert await page.is_enabled("#move-save")
    # The card tells its new hours while waiting for "save", in the grid's own words.
    assert await text_of(page, "#cell-s-two .hours") == "15:30–16:30"
    await shot(page, "grid-drag-free", lang, "laptop")
    await page.click("#move-save")
    await page.wait_for_selector("#saved")
    assert await page.get_attribute("#cell-s-two", "data-room") == "room-a"
    assert await page.get_attribute("#cell-s-two", "data-start") == "15:30"
    # Saved as the form saves it: the conference's 15:30, one hour as before, in UTC through the API.
    assert await stored_place(http, cid, org, "s-two") == ("room-a", utc_of(DAY1, "15:30"), utc_of(DAY1, "16:30"))
    await shot(page, "grid-drag-saved", lang, "laptop")


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_a_session_dragged_onto_a_clash_is_put_back_and_onto_a_free_place_is_saved(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    async with grid_opened(infra, keys, browser, lang=lang, window="laptop") as grid:
        await grid.page.wait_for_selector("#move-s-two", state="visible")
        assert await grid.page.is_visible("#drag-help")
        await dragged_onto_a_clash_then_put_back(grid.page, grid.http, grid.cid, grid.org, lang)
        await dragged_onto_a_free_place_and_saved(grid.page, grid.http, grid.cid, grid.org, lang)


async def keyboard_opens_the_move(page: Page) -> None:
    """From the card, Tab reaches its move button; Enter opens the list of places, focused."""
    await page.focus("#cell-s-two")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "move-s-two"
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#move-panel", state="visible")
    assert await page.evaluate("document.activeElement.id") == "move-place"


async def arrows_step_through_places(page: Page, http: httpx.AsyncClient, cid: str, org: dict[str, str],
                                     lang: str) -> None:
    """Arrow keys on the move button: up is half an hour earlier; towards the line's start is the previous room,
    the right arrow in Arabic, the left one in French; a busy place shows its clash; Escape puts the card back."""
    before = await in_grid(page, "s-two")
    await page.focus("#move-s-two")
    await page.keyboard.press("ArrowUp")
    await page.wait_for_selector("#move-note.ok")
    assert await page.input_value("#move-place") == f"slot-{DAY1}-room-b-0930"
    await page.keyboard.press("ArrowRight" if lang == "ar" else "ArrowLeft")
    await page.wait_for_selector("#move-findings-list li.hard[data-code='room_double_booked']")
    assert await page.input_value("#move-place") == f"slot-{DAY1}-room-a-0930"
    assert await page.is_disabled("#move-save")
    assert await page.evaluate("document.activeElement.id") == "move-s-two"
    await page.keyboard.press("Escape")
    assert await page.is_hidden("#move-panel")
    assert await in_grid(page, "s-two") == before
    assert (await stored_place(http, cid, org, "s-two"))[0] == "room-b"


@pytest.mark.parametrize(("lang", "window"), [("ar", "phone"), ("fr", "phone"), ("fr", "laptop")])
async def test_a_session_moved_from_the_keyboard(infra: Infra, keys: Keys, browser: Browser, lang: str,
                                                 window: str) -> None:
    async with grid_opened(infra, keys, browser, lang=lang, window=window) as grid:
        page, http, cid, org = grid.page, grid.http, grid.cid, grid.org
        await arrows_step_through_places(page, http, cid, org, lang)
        await keyboard_opens_the_move(page)
        places = await page.locator("#move-place option").evaluate_all("items => items.map(i => i.value)")
        # Only free places are offered: Amphi A's 10:00 (s-open) and 14:00 (s-gone) are not.
        assert f"slot-{DAY1}-room-a-1000" not in places and f"slot-{DAY1}-room-a-1400" not in places
        assert f"slot-{DAY1}-room-a-1100" in places and places[0] == ""
        await page.select_option("#move-place", f"slot-{DAY1}-room-a-1100")
        await page.wait_for_selector("#move-note.ok")
        await page.keyboard.press("Escape")
        assert await page.is_hidden("#move-panel")
        assert await page.evaluate("document.activeElement.id") == "move-s-two"
        assert (await stored_place(http, cid, org, "s-two"))[0] == "room-b"

        await keyboard_opens_the_move(page)
        # To the next day, then there at the card's room and hour: a place of its own, not its current one.
        await page.select_option("#move-place", f"slot-{DAY2}-room-b-0900")
        await page.wait_for_selector("#move-note.ok")
        await page.select_option("#move-place", f"slot-{DAY2}-room-b-1000")
        await page.wait_for_selector("#move-note.ok")
        assert await text_of(page, "#cell-s-two .hours") == "10:00–11:00"
        await page.wait_for_selector("#move-note.ok")
        assert await page.locator(f"#day-{DAY2} #cell-s-two").count() == 1
        await shot(page, "grid-move-keyboard", lang, window)
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.id") == "move-save"
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#saved")
        assert await stored_place(http, cid, org, "s-two") == ("room-b", utc_of(DAY2, "10:00"), utc_of(DAY2, "11:00"))
        assert await page.locator(f"#day-{DAY2} #cell-s-two.saved").count() == 1


async def test_the_move_route_refuses_forgeries_strangers_clashes_and_bad_places(infra: Infra, keys: Keys) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base, limits=FRESH) as http:
        cid = await known_conference(infra, settings, http)
        org = keys.headers("admin")
        await draft_programme(http, cid, org)
        place = {"csrf_token": CSRF, "room_id": "room-a", "day": DAY1, "start": "15:30"}

        async def move(token: str, form: dict[str, str], csrf: str = CSRF) -> httpx.Response:
            cookies = {"tadamon_access": token, "tadamon_csrf": csrf}
            async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=FRESH) as browser_like:
                return await browser_like.post("/console/sessions/s-two/move?lang=fr", data=form)

        mine = keys.token(f"organizer:conference:{cid}")
        assert (await move(keys.token("organizer:conference:another"), place)).status_code == 403
        assert (await move(mine, place, csrf="another-cookie")).status_code == 403
        for wrong in ({"start": "25:00"}, {"day": "16/06/2027"}, {"room_id": "r" * 300}, {"room_id": ""}):
            assert (await move(mine, {**place, **wrong})).status_code == 422, wrong
        # Its length kept, the session would end past midnight, or fall outside the conference's days: its form
        # opens there, saying why it was not saved.
        for outside in ({"start": "23:30"}, {"day": "2030-01-01"}):
            refused = await move(mine, {**place, **outside})
            assert refused.status_code == 422, outside
            assert "session-form" in refused.text and "session-refused" in refused.text
        clash = await move(mine, {**place, "start": "10:00"})
        assert clash.status_code == 409
        assert "Non enregistrée" in clash.text and "room_double_booked" in clash.text
        assert await stored_place(http, cid, org, "s-two") == ("room-b", utc_of(DAY1, "10:00"), utc_of(DAY1, "11:00"))
        saved = await move(mine, place)
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/console/conferences/{cid}?lang=fr&saved=s-two#day-{DAY1}"
        assert await stored_place(http, cid, org, "s-two") == ("room-a", utc_of(DAY1, "15:30"), utc_of(DAY1, "16:30"))


async def test_without_a_script_the_grid_offers_no_move_controls_and_its_cards_open_the_form(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base, limits=FRESH) as http:
        cid = await known_conference(infra, settings, http)
        await draft_programme(http, cid, keys.headers("admin"))
        context = await browser.new_context(java_script_enabled=False, locale="fr", viewport=WINDOWS["laptop"])
        await context.add_cookies([
            {"name": "tadamon_access", "value": keys.token(f"organizer:conference:{cid}"), "url": base},
            {"name": "tadamon_csrf", "value": CSRF, "url": base}])
        page = await context.new_page()
        await page.goto(f"{base}/console/conferences/{cid}?lang=fr")
        assert await page.is_hidden("#move-s-two") and await page.is_hidden("#move-panel")
        assert await page.is_hidden("#drag-help")
        await page.click("#cell-s-two")
        assert await page.input_value("#f-room_id") == "room-b"
        await context.close()
