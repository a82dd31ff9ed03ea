"""Bulk work as background jobs: a group's badges as one PDF, a message to a group in each
recipient's language through the mail queue (counted first, refused when a language has no text)."""

import subprocess
import unicodedata
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from registration_factories import Running, registration_service

from registration.service import context_of
from support import Infra, Keys, eventually

TEXTS = {"ar": {"subject": "تذكير بالموعد", "body": "نذكركم بموعد المناظرة غدا."},
         "fr": {"subject": "Rappel de la date", "body": "Nous vous rappelons la date des Assises demain."},
         "en": {"subject": "A reminder", "body": "A reminder of the conference tomorrow."}}


def _cookie(svc: Running, cid: str) -> dict[str, str]:
    return {"Cookie": f"tadamon_access={svc.keys.token(f'organizer:conference:{cid}', sub='nadia@example.ma')}"}


async def _finished(svc: Running, cid: str, job_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        state = (await svc.client.get(f"/console/jobs/{job_id}.json?lang=fr", headers=_cookie(svc, cid))).json()
        return state if state["finished"] else None

    return await eventually(check, timeout=60)


async def test_a_badge_job_draws_a_category_on_a4_sheets_for_download(infra: Infra, keys: Keys,
                                                                     tmp_path: Path) -> None:
    async with registration_service(infra, keys, jobs_poll_seconds=0.1) as svc:
        cid = (await svc.conference())["id"]
        cooperatives = {(await svc.register(cid, full_name=name, organization_type="cooperative"))["registration"]["id"]
                        for name in ("أمينة العلوي", "Hélène Dupré")}
        await svc.register(cid, full_name="Media Person", organization_type="media")
        organizer = svc.keys.headers(f"organizer:conference:{cid}", sub="nadia@example.ma")
        started = await svc.client.post(f"/admin/conferences/{cid}/badge-jobs", headers=organizer,
                                        json={"layout": "a4", "category": "cooperative"})
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        state = await _finished(svc, cid, job_id)
        assert state["state"] == "done" and state["has_file"]
        pdf = await svc.client.get(f"/console/jobs/{job_id}/file", headers=_cookie(svc, cid))
        (tmp_path / "badges.pdf").write_bytes(pdf.content)
        text = unicodedata.normalize("NFKC", subprocess.run(["pdftotext", str(tmp_path / "badges.pdf"), "-"],
                                                            capture_output=True, text=True).stdout)
        assert "أمينة العلوي" in text and "Hélène Dupré" in text and "Media Person" not in text
        # Each code on the sheets is its participant's badge.
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "badges.pdf"), str(tmp_path / "page")],
                       check=True)
        verifier = context_of(svc.platform).signer.verifier()
        badges = {verifier.verify(str(found.text), kind="badge")["r"]
                  for page in sorted(tmp_path.glob("page*.png"))
                  for found in zxingcpp.read_barcodes(Image.open(page), formats=zxingcpp.BarcodeFormat.QRCode)}
        assert badges == cooperatives


async def test_a_message_job_reaches_each_recipient_in_their_language_once_and_is_audited(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys, jobs_poll_seconds=0.1) as svc:
        cid = (await svc.conference())["id"]
        for lang in ("ar", "fr", "en"):
            await svc.register(cid, email=f"{lang}@example.ma", language=lang, organization_type="cooperative")
        await svc.register(cid, email="media@example.ma", language="fr", organization_type="media")
        organizer = svc.keys.headers(f"organizer:conference:{cid}", sub="nadia@example.ma")
        audience = {"category": "cooperative"}
        counted = await svc.client.post(f"/admin/conferences/{cid}/message-audience", headers=organizer,
                                        json=audience)
        assert counted.json() == {"total": 3, "by_language": {"ar": 1, "fr": 1, "en": 1}}
        missing = await svc.client.post(f"/admin/conferences/{cid}/message-jobs", headers=organizer,
                                        json={"audience": audience, "texts": {"fr": TEXTS["fr"]}})
        assert missing.status_code == 422 and missing.json()["code"] == "message_language_missing"

        started = await svc.client.post(f"/admin/conferences/{cid}/message-jobs", headers=organizer,
                                        json={"audience": audience, "texts": TEXTS})
        assert started.status_code == 202, started.text
        state = await _finished(svc, cid, started.json()["job_id"])
        assert state["state"] == "done"

        async def delivered() -> list[EmailMessage] | None:
            found = [m for m in svc.mails.mails if m["Subject"] in {t["subject"] for t in TEXTS.values()}]
            return found if len(found) == 3 else None

        mails = await eventually(delivered)
        for lang, text in TEXTS.items():
            mail = next(m for m in mails if m["To"] == f"{lang}@example.ma")
            assert mail["Subject"] == text["subject"] and mail["Content-Language"] == lang
            part = mail.get_body(("plain",))
            assert part is not None and text["body"] in part.get_content()
        assert not [m for m in svc.mails.to("media@example.ma") if m["Subject"] == TEXTS["fr"]["subject"]]
        audit = (await svc.client.get("/admin/audit", params={"object_id": cid}, headers=svc.organizer)).json()
        assert [e["action"] for e in audit["items"]].count("registration.message") == 1
