"""Evidence uploaded as a file: accepted kinds checked by content, the size cap, storage in chunks, who may
download what (the public only accepted evidence, under a neutral name), and the audit log."""

from typing import Any

import httpx
from recommendations_factories import (
    YOUSSEF,
    Service,
    new_recommendation,
    padded_png,
    pdf_with_metadata,
    png_with_text,
    service,
)

from recommendations.store import CHUNK_BYTES
from support import Infra, Keys

PDF = pdf_with_metadata(photo_side=440)  # about 570 KiB, and as much once its metadata is gone: several chunks
PNG = png_with_text()


def form(status: str = "limited", **fields: str) -> dict[str, str]:
    return {"status": status, "reason": "Arrêté publié", "description": "Arrêté signé", "date": "2026-10-01",
            **fields}


async def upload(svc: Service, rid: str, name: str, data: bytes, headers: dict[str, str] | None = None,
                 **fields: str) -> httpx.Response:
    return await svc.client.post(f"/recommendations/{rid}/status/upload", data=form(**fields),
                                 files={"file": (name, data, "application/octet-stream")},
                                 headers=headers or svc.organizer())


async def new(svc: Service) -> str:
    created = await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())
    return str(created.json()["id"])


def file_of(detail: dict[str, Any]) -> dict[str, Any]:
    return dict(detail["evidence"][-1]["file"])


async def test_a_pdf_is_kept_with_the_change_and_the_public_downloads_it_under_a_neutral_name(
        infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rid = await new(svc)
        answer = await upload(svc, rid, "arrêté Amina Benali.pdf", PDF)
        assert answer.status_code == 200, answer.text
        file = file_of(answer.json())
        public = await svc.client.get(f"/recommendations/{rid}/evidence/{file['id']}")
        original = await svc.client.get(f"/recommendations/{rid}/evidence/{file['id']}/original",
                                        headers=svc.organizer())
        log = await svc.client.get("/admin/audit", params={"object_id": file["id"]}, headers=svc.organizer())
    assert answer.json()["status"] == "limited" and file["content_type"] == "application/pdf"
    assert file["size"] == len(public.content) > 2 * CHUNK_BYTES and "name" not in file
    assert public.status_code == 200 and public.content.startswith(b"%PDF-") and b"Benali" not in public.content
    assert public.headers["content-type"] == "application/pdf"
    assert public.headers["content-disposition"].startswith(f'attachment; filename="evidence-{file["id"]}.pdf"')
    assert "Benali" not in public.headers["content-disposition"]
    assert original.status_code == 200 and original.content == public.content
    assert "Amina%20Benali.pdf" in original.headers["content-disposition"]
    assert [e["action"] for e in log.json()["items"]] == ["evidence.upload"]


async def test_a_file_whose_content_is_no_pdf_png_or_jpeg_is_refused_whatever_its_name(
        infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rid = await new(svc)
        exe = await upload(svc, rid, "rapport.pdf", b"MZ\x90\x00" + b"\x00" * 100,
                           headers=svc.organizer() | {"Accept-Language": "fr"})
        renamed = await upload(svc, rid, "photo.pdf", PNG)
        script = await upload(svc, rid, "page.html", b"<html><script>alert(1)</script>")
        png = await upload(svc, rid, "photo.PNG", PNG)
        detail = (await svc.client.get(f"/recommendations/{rid}")).json()
    assert exe.status_code == 422 and exe.json()["code"] == "evidence_file_type"
    assert "PDF, PNG ou JPEG" in exe.json()["detail"]
    assert renamed.status_code == 422 and script.status_code == 422
    assert png.status_code == 200 and file_of(png.json())["content_type"] == "image/png"
    assert len(detail["evidence"]) == 1 and len(detail["timeline"]) == 2


async def test_a_file_over_the_cap_is_refused_and_other_routes_keep_their_own_cap(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rid = await new(svc)
        cap = svc.settings.evidence_max_bytes
        too_big = await upload(svc, rid, "scan.pdf", b"%PDF-" + b"0" * (cap - 4),
                               headers=svc.organizer() | {"Accept-Language": "ar"})
        far_too_big = await upload(svc, rid, "scan.pdf", b"%PDF-" + b"0" * (cap + 512 * 1024))
        at_cap = await upload(svc, rid, "scan.png", padded_png(cap))
        big_json = await svc.client.post(f"/recommendations/{rid}/status", headers=svc.organizer(),
                                         json={"status": "limited", "reason": "x" * (600 * 1024)})
    assert too_big.status_code == 413 and too_big.json()["code"] == "evidence_file_too_large"
    assert "ميغابايت" in too_big.json()["detail"]
    assert far_too_big.status_code == 413 and far_too_big.json()["code"] == "request_too_large"
    assert at_cap.status_code == 200, at_cap.text
    assert file_of(at_cap.json())["size"] < cap  # the filling chunk is not kept
    assert big_json.status_code == 413 and big_json.json()["code"] == "request_too_large"


async def test_a_proposed_files_is_for_organizers_until_a_second_organizer_approves(
        infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rid = await new(svc)
        proposed = await upload(svc, rid, "bilan.pdf", PDF, status="complete")
        file = proposed.json()["pending_completion"]["evidence"][0]["file"]
        url = f"/recommendations/{rid}/evidence/{file['id']}"
        before = await svc.client.get(url)
        organizer = await svc.client.get(f"{url}/original", headers=svc.organizer(YOUSSEF))
        approved = await svc.client.post(f"/recommendations/{rid}/completion/approve", headers=svc.organizer(YOUSSEF),
                                         json={"reason": "Preuve vérifiée"})
        after = await svc.client.get(url)
        elsewhere = await svc.client.get(f"/recommendations/{await new(svc)}/evidence/{file['id']}")
    assert proposed.status_code == 200 and proposed.json()["status"] == "not_started"
    assert before.status_code == 404 and organizer.status_code == 200
    assert approved.json()["status"] == "complete" and file_of(approved.json())["id"] == file["id"]
    assert after.status_code == 200 and after.content == organizer.content and b"Benali" not in after.content
    assert elsewhere.status_code == 404


async def test_an_open_milestone_is_edited_with_a_reason_and_a_completed_one_is_not(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rid = await new(svc)
        url = f"/recommendations/{rid}/milestones"
        body = {"title": {"fr": "Atelier"}, "owner": "regions", "due_date": "2027-01-31", "reason": "Planifié"}
        added = (await svc.client.post(url, headers=svc.organizer(), json=body)).json()
        mid = added["milestones"][0]["id"]
        edited = await svc.client.post(f"{url}/{mid}", headers=svc.organizer(),
                                       json=body | {"due_date": "2027-03-31", "reason": "Report validé"})
        same = await svc.client.post(f"{url}/{mid}", headers=svc.organizer(),
                                     json=body | {"due_date": "2027-03-31", "reason": "Rien"})
        await svc.client.post(f"{url}/{mid}/complete", headers=svc.organizer(), json={"reason": "Tenu"})
        closed = await svc.client.post(f"{url}/{mid}", headers=svc.organizer(), json=body)
    assert edited.status_code == 200 and edited.json()["milestones"][0]["due_date"] == "2027-03-31"
    assert edited.json()["timeline"][-1]["kind"] == "milestone_edited"
    assert same.status_code == 409 and same.json()["code"] == "milestone_unchanged"
    assert closed.status_code == 409 and closed.json()["code"] == "milestone_already_completed"
