"""Importing invitees from CSV or XLSX: every row checked, all registered or none."""

import io
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import openpyxl
from registration_factories import registration_service

from registration import jobs
from registration.context import context_of
from shared.audit import Act
from shared.jobs import Job, JobResult, Progress
from support import Infra, Keys

HEADER = "full_name,email,phone,organization_name,organization_type,region,language,consent\n"
GOOD = ("أمينة العلوي,amina@example.ma,0612345678,تعاونية الأركان,cooperative,souss-massa,ar,نعم\n"
        "Étienne Lefèvre,etienne@example.ma,0612345679,AECID,international_partner,abroad,fr,oui\n")


async def test_a_file_with_bad_rows_is_refused_whole_with_each_fault_then_the_good_file_imports_once(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference(capacity=10))["id"]
        url = f"/admin/conferences/{cid}/registrations/import"
        bad = HEADER + GOOD + ("X,not-an-email,0612345670,Org,cooperative,souss-massa,fr,oui\n"
                               "Sans Accord,sans@example.ma,0612345671,Org,cooperative,souss-massa,fr,non\n"
                               "Encore Amina,AMINA@example.ma,0612345672,Org,cooperative,souss-massa,fr,oui\n")
        refused = await svc.client.post(url, files={"file": ("invites.csv", bad.encode(), "text/csv")},
                                        params={"lang": "fr"}, headers=svc.organizer)
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["code"] == "import_refused"
        faults = {(r["row"], r["field"]) for r in body["rows"]}
        assert {(4, "email"), (4, "full_name"), (5, "consent"), (6, "email")} <= faults
        assert all(r["message"] for r in body["rows"])
        listed = f"/admin/conferences/{cid}/registrations"
        assert (await svc.client.get(listed, headers=svc.organizer)).json()["total"] == 0

        good = (HEADER + GOOD).encode("utf-8-sig")
        done = await svc.client.post(url, files={"file": ("invites.csv", good, "text/csv")}, headers=svc.organizer)
        assert done.status_code == 200 and done.json() == {"imported": 2}
        again = await svc.client.post(url, files={"file": ("invites.csv", good, "text/csv")}, headers=svc.organizer)
        assert again.status_code == 422 and {r["code"] for r in again.json()["rows"]} == {"already_registered"}
        people = (await svc.client.get(listed, headers=svc.organizer)).json()["items"]
        assert [(p["full_name"], p["status"]) for p in people] == [("أمينة العلوي", "confirmed"),
                                                                  ("Étienne Lefèvre", "confirmed")]


async def test_an_xlsx_delegation_larger_than_the_seats_left_is_refused_whole(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference(capacity=1))["id"]
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        for line in (HEADER + GOOD).splitlines():
            sheet.append(line.split(","))
        buffer = io.BytesIO()
        workbook.save(buffer)
        refused = await svc.client.post(f"/admin/conferences/{cid}/registrations/import",
                                        files={"file": ("delegation.xlsx", buffer.getvalue())},
                                        headers=svc.organizer)
        assert refused.status_code == 409 and refused.json()["code"] == "import_no_room"
        listed = await svc.client.get(f"/admin/conferences/{cid}/registrations", headers=svc.organizer)
        assert listed.json()["total"] == 0
        garbage = await svc.client.post(f"/admin/conferences/{cid}/registrations/import",
                                        files={"file": ("delegation.xlsx", b"not a workbook")},
                                        headers=svc.organizer)
        assert garbage.status_code == 400 and garbage.json()["code"] == "import_unreadable"


async def _run_twice(svc: Any, job: Job) -> list[JobResult]:
    """The import job's handler run, then run again as a worker would after the process died
    once the first run's transaction committed but before the job was marked finished."""
    handler = jobs.HANDLERS[jobs.IMPORT]
    ctx = context_of(svc.platform)
    results = []
    for _ in range(2):
        progress = Progress(_ignore)
        results.append(await handler(ctx, job, progress))
        await progress.close()
        assert (progress.done, progress.total) == (2, 2)  # rows checked of the file's rows
    return results


async def test_an_import_job_taken_again_after_its_work_committed_registers_nobody_twice(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference(capacity=10))["id"]
        job = Job(id=uuid.uuid4().hex, kind=jobs.IMPORT, owner="nadia@example.ma",
                  scope=f"organizer:conference:{cid}", created_at=datetime.now(UTC),
                  params={"conference_id": cid, "filename": "invites.csv", "content": (HEADER + GOOD).encode(),
                          "lang": "fr", "act": asdict(Act.system("test"))})
        first, again = await _run_twice(svc, job)
        assert first.error is None and again.error is None
        assert first.summary == again.summary == {"rows_read": 2, "imported": 2}
        listed = await svc.client.get(f"/admin/conferences/{cid}/registrations", headers=svc.organizer)
        assert listed.json()["total"] == 2
        arrivals = await svc.platform.outbox.written(
            {"type": "registration.participant-registered.v1", "envelope.data.conference_id": cid})
        assert len(arrivals) == 2


async def test_the_same_file_in_a_second_import_job_is_refused_row_by_row_and_imports_nothing(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference(capacity=10))["id"]
        ctx = context_of(svc.platform)
        results = []
        for _ in range(2):
            job = Job(id=uuid.uuid4().hex, kind=jobs.IMPORT, owner="nadia@example.ma",
                      scope=f"organizer:conference:{cid}", created_at=datetime.now(UTC),
                      params={"conference_id": cid, "filename": "invites.csv", "content": (HEADER + GOOD).encode(),
                              "lang": "en", "act": asdict(Act.system("test"))})
            progress = Progress(_ignore)
            results.append(await jobs.HANDLERS[jobs.IMPORT](ctx, job, progress))
            await progress.close()
        assert results[0].summary == {"rows_read": 2, "imported": 2}
        assert results[1].error == "import_refused"
        assert results[1].summary is not None
        faults = results[1].summary["rows"]
        assert [(f["import_row"], f["import_field"]) for f in faults] == [(2, "email"), (3, "email")]
        assert all("already" in f["import_problem"] for f in faults)
        listed = await svc.client.get(f"/admin/conferences/{cid}/registrations", headers=svc.organizer)
        assert listed.json()["total"] == 2


async def _ignore(done: int, total: int) -> None:
    return None
