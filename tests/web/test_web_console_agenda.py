"""The programme console in Chromium: conferences, rooms, speakers, the grid of a day, a session whose
conflicts show before saving and whose save is refused, a session moved on the grid, and a release
whose previewed changelog is what the public programme then shows; in Arabic and French, on a
laptop-size and a phone-size window."""

import re

import httpx
import pytest
from agenda_console_support import CONTACT, FRESH, draft_programme, known_conference, shot
from playwright.async_api import Browser, Page
from web_support import CSRF, serve, signed_in, text_of

from agenda.app import create_app
from agenda.settings import Settings
from support import Infra, Keys, settings_for
from tests.agenda.agenda_factories import DAY1

pytestmark = pytest.mark.browser
ARABIC = re.compile(r"[\u0600-\u06FF]")


async def walk_rooms_and_speakers(page: Page, base: str, cid: str, lang: str, window: str) -> None:
    await page.goto(f"{base}/console/conferences/{cid}/rooms?lang={lang}")
    await page.fill("#f-name", "Salle C")
    await page.fill("#f-names_ar", "القاعة ج")
    await page.fill("#f-capacity", "30")
    await page.click("#room-save")
    await page.wait_for_selector("#saved")
    assert await page.locator("#rooms li").count() == 3
    await page.click("#room-room-b a")
    await page.fill("#f-capacity", "50")
    await page.click("#room-save")
    await page.wait_for_selector("#saved")
    assert "50" in await text_of(page, "#room-room-b")
    await shot(page, "rooms", lang, window)

    await page.goto(f"{base}/console/conferences/{cid}/speakers?lang={lang}")
    await page.fill("#f-name", "Laila Idrissi")
    await page.fill("#f-bio_ar", "باحثة في الاقتصاد التضامني")
    await page.click("#speaker-save")
    await page.wait_for_selector("#saved")
    await page.click("#speaker-sp-1 a")
    assert await page.input_value("#f-contact") == CONTACT
    await page.fill("#f-organization", "Office du développement de la coopération")
    await page.click("#speaker-save")
    await page.wait_for_selector("#saved")
    assert "Office du développement" in await text_of(page, "#speaker-sp-1")
    await shot(page, "speakers", lang, window)


async def conflict_shown_then_refused(page: Page, http: httpx.AsyncClient, base: str, cid: str, lang: str,
                                      window: str, org: dict[str, str]) -> None:
    await page.goto(f"{base}/console/conferences/{cid}/sessions/new?lang={lang}")
    await page.fill("#f-title_fr", "Atelier en conflit")
    await page.fill("#f-title_ar", "ورشة متعارضة")
    await page.select_option("#f-room_id", "room-b")
    await page.fill("#f-day", DAY1)
    await page.fill("#f-start", "10:30")
    await page.fill("#f-end", "11:30")
    await page.fill("#f-capacity", "60")
    await page.select_option("#f-speaker_ids", ["sp-1"])
    # The page's script asks the check route while the fields change: the clashes show before any save.
    await page.wait_for_selector("#findings-list li.hard[data-code='speaker_double_booked']")
    await page.click("#check")
    found = await page.locator("#findings-list li").evaluate_all(
        "items => items.map(i => [i.dataset.code, i.classList.contains('hard')])")
    # Salle B holds s-two then, Nadia speaks in Amphi A; 60 seats in a room of 50 is only a warning.
    assert sorted(map(tuple, found)) == [("capacity_above_room", False), ("room_double_booked", True),
                                         ("speaker_double_booked", True)]
    if lang == "ar":
        assert ARABIC.search(await text_of(page, "#findings-list li"))
    await shot(page, "session-check", lang, window)
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.click("#save")
    assert (await answer.value).status == 409
    refused = await text_of(page, "#session-refused")
    assert "Salle B" in refused or "Nadia Berrada" in refused
    assert "Non enregistrée" in refused if lang == "fr" else ARABIC.search(refused)
    await shot(page, "session-refused", lang, window)
    listed = await http.get(f"/conferences/{cid}/sessions", headers=org)
    assert len(listed.json()) == 3


async def move_on_the_grid(page: Page, base: str, cid: str, lang: str, window: str) -> None:
    # Asked to move to a place of the grid where Séance s-open is, the form shows the clash before any save.
    await page.goto(f"{base}/console/sessions/s-two?room_id=room-a&day={DAY1}&start=10:30&lang={lang}")
    assert await page.locator("#findings-list li[data-code='room_double_booked']").count() == 1
    assert (await page.input_value("#f-start"), await page.input_value("#f-end")) == ("10:30", "11:30")
    await page.goto(f"{base}/console/conferences/{cid}?lang={lang}")
    await page.click("#cell-s-two")
    await page.select_option("#f-room_id", "room-a")
    await page.fill("#f-start", "15:00")
    await page.fill("#f-end", "16:00")
    await page.click("#check")
    await page.wait_for_selector("#no-findings")
    await page.click("#save")
    await page.wait_for_selector("#saved")
    assert await page.get_attribute("#cell-s-two", "data-room") == "room-a"
    assert await page.get_attribute("#cell-s-two", "data-start") == "15:00"
    await shot(page, "grid-moved", lang, window)
    # An empty half hour of the grid opens a new session's form at that place.
    await page.click(f"#slot-{DAY1}-room-b-1600")
    assert await page.input_value("#f-room_id") == "room-b"
    assert (await page.input_value("#f-start"), await page.input_value("#f-end")) == ("16:00", "17:00")
    await page.goto(f"{base}/console/conferences/{cid}?lang={lang}")
    await page.click("#cell-s-gone")
    await page.click("#cancel-session")
    await page.wait_for_selector("#cancelled-s-gone")


async def release_matches_public(page: Page, http: httpx.AsyncClient, base: str, cid: str, lang: str,
                                 window: str) -> None:
    await page.goto(f"{base}/console/conferences/{cid}/release?lang={lang}")
    preview = page.locator("#preview-changes li")
    pairs = await preview.evaluate_all("items => items.map(i => [i.dataset.change, i.dataset.session])")
    assert sorted(map(tuple, pairs)) == [("cancelled", "s-gone"), ("moved", "s-two"), ("room_changed", "s-two")]
    words = await preview.all_inner_texts()
    await shot(page, "release", lang, window)
    await page.click("#release")
    await page.wait_for_selector("#released")
    changelog = (await http.get(f"/conferences/{cid}/changelog")).json()
    assert changelog[0]["version"] == 2
    assert sorted((c["change"], c["session_id"]) for c in changelog[0]["changes"]) == sorted(map(tuple, pairs))
    await page.click("#see-public")
    await page.click("#release-changes summary")
    assert await page.locator("#public-changes li").all_inner_texts() == words
    assert CONTACT not in await page.content()
    await shot(page, "public", lang, window)


@pytest.mark.parametrize(("lang", "window"), [("ar", "laptop"), ("ar", "phone"), ("fr", "laptop"), ("fr", "phone")])
async def test_organizer_edits_the_programme_sees_conflicts_before_saving_moves_a_session_and_releases(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base, limits=FRESH) as http:
        cid, other = await known_conference(infra, settings, http), await known_conference(infra, settings, http)
        await draft_programme(http, cid, keys.headers("admin"))
        token = keys.token(f"organizer:conference:{cid}", name="Nadia Organisatrice")
        context = await signed_in(browser, base, token, lang=lang, window=window)
        page = await context.new_page()

        await page.goto(f"{base}/console?lang={lang}")
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert await text_of(page, "#console-person") == "Nadia Organisatrice"
        assert await page.locator(f"#conference-{other}").count() == 0  # not in their charge
        await shot(page, "conferences", lang, window)
        await page.click(f"#conference-{cid} h2 a")
        first = await page.locator(f"#head-{DAY1}-room-a").bounding_box()
        second = await page.locator(f"#head-{DAY1}-room-b").bounding_box()
        assert first and second
        # Rooms in name order, the first at the start of the line: right in Arabic, left in French.
        assert (first["x"] > second["x"]) if lang == "ar" else (first["x"] < second["x"])
        await shot(page, "grid", lang, window)

        await walk_rooms_and_speakers(page, base, cid, lang, window)
        await conflict_shown_then_refused(page, http, base, cid, lang, window, keys.headers("admin"))
        await move_on_the_grid(page, base, cid, lang, window)
        await release_matches_public(page, http, base, cid, lang, window)
        schedule = await http.get(f"/conferences/{cid}/schedule")
        assert CONTACT not in schedule.text
        await context.close()


async def test_programme_console_refuses_strangers_and_forged_forms(infra: Infra, keys: Keys, browser: Browser
                                                                    ) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base, limits=FRESH) as http:
        cid = await known_conference(infra, settings, http)
        await draft_programme(http, cid, keys.headers("admin"))
        anonymous = await http.get(f"/console/conferences/{cid}", follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith(f"{settings.accounts_url}/auth/refresh?next=")

        stranger = await signed_in(browser, base, keys.token("organizer:conference:another"), lang="fr",
                                   window="laptop")
        page = await stranger.new_page()
        for screen in ("", "/rooms", "/speakers", "/release", "/sessions/new"):
            refused = await page.goto(f"{base}/console/conferences/{cid}{screen}?lang=fr")
            assert refused is not None and refused.status == 403, screen
        refused = await page.goto(f"{base}/console/sessions/s-open?lang=ar")
        assert refused is not None and refused.status == 403
        assert ARABIC.search(await text_of(page, "#console-error"))
        assert "Séance s-open" not in await page.content()
        await stranger.close()

        organizer = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang="fr",
                                    window="laptop")
        page = await organizer.new_page()
        await page.goto(f"{base}/console/conferences/{cid}/rooms?lang=fr")
        await organizer.add_cookies([{"name": "tadamon_csrf", "value": "changed-since", "url": base,
                                      "sameSite": "Lax"}])
        await page.fill("#f-name", "Salle forgée")
        await page.fill("#f-capacity", "10")
        await page.click("#room-save")
        assert await text_of(page, "#console-error")
        rooms = await http.get(f"/conferences/{cid}/rooms", headers=keys.headers("admin"))
        assert "Salle forgée" not in rooms.text
        await organizer.add_cookies([{"name": "tadamon_csrf", "value": CSRF, "url": base, "sameSite": "Lax"}])
        await page.goto(f"{base}/console/conferences/{cid}/rooms?lang=fr")
        await page.fill("#f-name", "Salle vide")
        await page.evaluate("document.getElementById('f-capacity').removeAttribute('min')")
        await page.fill("#f-capacity", "0")
        async with page.expect_response(lambda r: r.request.method == "POST") as answer:
            await page.click("#room-save")
        assert (await answer.value).status == 422
        assert await text_of(page, "#e-capacity")
        await organizer.close()
