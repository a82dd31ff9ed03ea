"""The registry's bulk work and a market's files: a cooperatives import (all rows or none, never
twice), search, the invitations' states, the passes to print, attendance and sales as CSV."""

import csv
import io
import random
import re
import subprocess
from pathlib import Path

from marketplace_factories import decode_qr, marketplace_service, today
from openpyxl import Workbook

from support import Infra, Keys

# A page object of the PDF (not the /Pages tree that lists them).
PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")
HEADER = ["name_ar", "name_fr", "register_number", "region", "province", "sector", "members", "women_led",
          "youth_led", "phone", "email"]


def rows(count: int) -> list[list[str]]:
    base = random.randint(10_000, 90_000)
    return [[f"تعاونية النحل {n}", f"Coopérative Abeilles {n}", f"IMP-{base + n}", "souss-massa", "Taroudant",
             "honey", "12", "oui" if n % 2 else "non", "", "0612345678", f"abeilles{base + n}@example.ma"]
            for n in range(count)]


def csv_file(table: list[list[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([HEADER, *table])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_file(table: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in [HEADER, *table]:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_a_file_with_bad_rows_is_refused_whole_with_each_fault_by_row_and_column(
        infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        table = rows(4)
        table[1][2] = "AGA21457"  # the dash is missing
        table[2][7] = "peut-être"
        table[3][2] = table[0][2]  # the first row's number again
        refused = await svc.client.post("/cooperatives/import", files={"file": ("coops.csv", csv_file(table))},
                                        headers=svc.organizer | {"Accept-Language": "ar"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "coop_import_refused"
        faults = {(r["row"], r["column"], r["code"]) for r in refused.json()["rows"]}
        assert faults == {(3, "register_number", "invalid_register_number"), (4, "women_led", "coop_import_bad_flag"),
                          (5, "register_number", "coop_import_duplicate_row")}
        assert all(any("\u0600" <= ch <= "\u06ff" for ch in r["message"]) for r in refused.json()["rows"])
        assert await svc.store.db.cooperatives.count_documents({}) == 0


async def test_a_good_file_is_imported_once_and_again_creates_nothing(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        content = csv_file(rows(3), delimiter=";")
        first = await svc.client.post("/cooperatives/import", files={"file": ("coops.csv", content)},
                                      headers=svc.organizer)
        assert first.status_code == 200, first.text
        assert first.json() == {"rows": 3, "created": 3, "already_present": 0}
        again = await svc.client.post("/cooperatives/import", files={"file": ("coops.csv", content)},
                                      headers=svc.organizer)
        assert again.json() == {"rows": 3, "created": 0, "already_present": 3}
        assert await svc.store.db.cooperatives.count_documents({}) == 3
        listed = await svc.client.get("/cooperatives", headers=svc.organizer)
        assert {c["women_led"] for c in listed.json()} == {True, False}


async def test_an_xlsx_file_is_read_like_a_csv_and_exhibitors_may_not_import(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        content = xlsx_file(rows(2))
        exhibitor = await svc.client.post("/cooperatives/import", files={"file": ("c.xlsx", content)},
                                          headers=svc.exhibitor("coop-x"))
        assert exhibitor.status_code == 403
        done = await svc.client.post("/cooperatives/import", files={"file": ("c.xlsx", content)},
                                     headers=svc.organizer)
        assert done.status_code == 200 and done.json()["created"] == 2
        unreadable = await svc.client.post("/cooperatives/import", files={"file": ("c.xlsx", b"not a workbook")},
                                           headers=svc.organizer)
        assert unreadable.status_code == 422 and unreadable.json()["code"] == "table_unreadable"


async def test_search_finds_a_name_whatever_its_accents_or_a_register_numbers_start(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        wanted = await svc.cooperative(name={"fr": "Coopérative Étoile du Souss", "ar": "تعاونية نجمة سوس"})
        await svc.cooperative(name={"fr": "Coopérative Atlas"})
        by_name = await svc.client.get("/cooperatives", params={"q": "etoile"}, headers=svc.organizer)
        assert [c["id"] for c in by_name.json()] == [wanted["id"]]
        by_arabic = await svc.client.get("/cooperatives", params={"q": "نجمة"}, headers=svc.organizer)
        assert [c["id"] for c in by_arabic.json()] == [wanted["id"]]
        by_number = await svc.client.get("/cooperatives", params={"q": wanted["register_number"].lower()},
                                         headers=svc.organizer)
        assert [c["id"] for c in by_number.json()] == [wanted["id"]]


async def test_invitations_are_listed_pending_then_used(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        url = f"/cooperatives/{coop['id']}/invitations"
        assert (await svc.client.get(url, headers=svc.organizer)).json() == []
        invited = await svc.client.post(url, headers=svc.organizer)
        assert [i["state"] for i in (await svc.client.get(url, headers=svc.organizer)).json()] == ["pending"]
        await svc.client.post(f"/invitations/{invited.json()['token']}/accept")
        listed = (await svc.client.get(url, headers=svc.organizer)).json()
        assert [i["state"] for i in listed] == ["used"] and "token" not in listed[0]


async def test_the_passes_of_a_market_print_in_one_pdf_a_page_per_stand(infra: Infra, keys: Keys,
                                                                       tmp_path: Path) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=3)
        url = f"/markets/{market['id']}/passes.pdf"
        none = await svc.client.get(url, headers=svc.organizer)
        assert none.status_code == 409 and none.json()["code"] == "market_no_passes"
        _, first = await svc.exhibitor_at(market["id"], name={"ar": "تعاونية الأمل", "fr": "Coopérative Al Amal"})
        _, second = await svc.exhibitor_at(market["id"])
        printed = await svc.client.get(url, headers=svc.organizer | {"Accept-Language": "ar"})
        assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
        assert printed.content.startswith(b"%PDF") and len(PAGE.findall(printed.content)) == 2
        # Each page holds its stand's pass.
        (tmp_path / "passes.pdf").write_bytes(printed.content)
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "passes.pdf"), str(tmp_path / "page")],
                       check=True)
        pages = sorted(tmp_path.glob("page*.png"))
        assert {decode_qr(page.read_bytes()) for page in pages} == {await svc.pass_token(first),
                                                                    await svc.pass_token(second)}
        other = await svc.client.get(url, headers=svc.keys.headers("organizer:market:another"))
        assert other.status_code == 403


async def test_attendance_and_sales_csv_have_the_readers_headers_and_exact_figures(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        coop, application = await svc.exhibitor_at(market["id"])
        await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": await svc.pass_token(application)},
                              headers=svc.staff(market["id"]))
        declared = await svc.client.put(f"/markets/{market['id']}/sales/{today()}", headers=svc.exhibitor(coop["id"]),
                                        json={"by_category": {"honey": 1250.5}})
        assert declared.status_code == 200, declared.text
        attendance = await svc.client.get(f"/markets/{market['id']}/attendance.csv",
                                          headers=svc.organizer | {"Accept-Language": "fr"})
        assert attendance.content.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(attendance.content.decode("utf-8-sig"))))
        assert lines == [["jour", "attendus", "présents", "absents"], [today().isoformat(), "1", "1", "0"]]
        sales = await svc.client.get(f"/markets/{market['id']}/sales/report.csv",
                                     headers=svc.organizer | {"Accept-Language": "fr"})
        table = list(csv.reader(io.StringIO(sales.content.decode("utf-8-sig"))))
        assert table[0] == ["catégorie", "coopératives", "montant_mad", "montant"]
        assert table[1][:3] == ["Miel", "1", "1250.5"] and "MAD" in table[1][3]
        for path in ("attendance.csv", "sales/report.csv"):  # exact figures: organizers of the market only
            refused = await svc.client.get(f"/markets/{market['id']}/{path}", headers=svc.exhibitor(coop["id"]))
            assert refused.status_code == 403
