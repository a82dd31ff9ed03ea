"""Signed QR badges and check-in: online scans, offline batches, forged and foreign tokens."""

import base64
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jwt
import pytest
from registration_factories import decode_qr, local_today, registration_service

from registration.app import create_app
from registration.service import context_of
from registration.settings import Settings
from shared.formats import moment_text
from shared.signing import MissingSigningKey, Signer
from support import Infra, Keys, envelope_of, read_topic, unique


async def _badge_token(svc, created) -> str:  # type: ignore[no-untyped-def]
    rid = created["registration"]["id"]
    png = await svc.client.get(f"/registrations/{rid}/badge.png", params={"token": created["manage_token"]})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    return decode_qr(png.content)


async def test_badge_qr_decodes_to_a_token_that_checks_in_once(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        created = await svc.register(conference["id"])
        token = await _badge_token(svc, created)
        svg = await svc.client.get(f"/registrations/{created['registration']['id']}/badge.svg",
                                   params={"token": created["manage_token"]})
        assert svg.status_code == 200 and b"<svg" in svg.content
        url = f"/checkin/conferences/{conference['id']}/scans"
        first = await svc.client.post(url, json={"token": token}, headers=svc.staff(conference["id"]))
        assert first.status_code == 200, first.text
        assert first.json()["outcome"] == "checked_in"
        second = await svc.client.post(url, json={"token": token},
                                       headers=svc.staff(conference["id"]) | {"Accept-Language": "en"})
        assert second.status_code == 200
        assert second.json()["outcome"] == "already_checked_in"
        # The first scan's time in the conference's time zone, written in the caller's language.
        at = moment_text(datetime.fromisoformat(second.json()["checked_in_at"]), "en", "Africa/Casablanca")
        assert second.json()["message"] == f"This participant was already checked in on {at}."
        assert str(datetime.now(UTC).year) in at and "T" not in at
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=2)
        checked = [envelope_of(r) for r in records if envelope_of(r)["type"].endswith("checked-in.v1")]
        assert len(checked) == 1


async def test_badge_token_is_verified_offline_with_the_published_public_key(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        token = await _badge_token(svc, await svc.register(conference["id"]))
        jwks = (await svc.client.get("/.well-known/jwks.json")).json()["keys"][0]
        assert jwks["alg"] == "EdDSA" and jwks["crv"] == "Ed25519"
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        from shared.signing import Verifier

        raw = base64.urlsafe_b64decode(jwks["x"] + "==")
        claims = Verifier([Ed25519PublicKey.from_public_bytes(raw)]).verify(token, kind="badge")
        assert claims["c"] == conference["id"] and claims["t"] == "badge"


async def test_forged_altered_and_other_conference_badges_are_rejected(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        here, there = await svc.conference(), await svc.conference()
        genuine = await _badge_token(svc, await svc.register(here["id"]))
        foreign = await _badge_token(svc, await svc.register(there["id"]))
        head, claims, signature = genuine.split(".")
        payload = json.loads(base64.urlsafe_b64decode(claims + "=="))
        payload["r"] = "r-someone-else"
        altered = ".".join([head, base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode(),
                            signature])
        forged = Signer.from_file_or_new("").sign({"t": "badge", "r": payload["r"], "c": here["id"]})
        url = f"/checkin/conferences/{here['id']}/scans"
        for token, code in ((altered, "invalid_qr"), (forged, "invalid_qr"), ("not a token", "invalid_qr"),
                            (foreign, "qr_other_conference")):
            response = await svc.client.post(url, json={"token": token}, headers=svc.staff(here["id"]))
            assert response.status_code == 400, token
            assert response.json()["code"] == code
        manage_as_badge = await svc.client.post(url, json={"token": (await svc.register(here["id"]))["manage_token"]},
                                                headers=svc.staff(here["id"]))
        assert manage_as_badge.json()["code"] == "invalid_qr"


async def test_cancelled_and_waitlisted_participants_are_refused_with_the_reason(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=1)
        seated = await svc.register(conference["id"])
        waiting = await svc.register(conference["id"])
        token = await _badge_token(svc, seated)
        no_badge = await svc.client.get(f"/registrations/{waiting['registration']['id']}/badge.png",
                                        params={"token": waiting["manage_token"]})
        assert no_badge.status_code == 409 and no_badge.json()["code"] == "badge_not_available"
        signer = context_of(svc.platform).signer
        waiting_token = signer.sign({"t": "badge", "r": waiting["registration"]["id"], "c": conference["id"]})
        await svc.client.post(f"/registrations/{seated['registration']['id']}/cancel",
                              params={"token": seated["manage_token"]})
        url = f"/checkin/conferences/{conference['id']}/scans"
        refused = await svc.client.post(url, json={"token": token},
                                        headers=svc.staff(conference["id"]) | {"Accept-Language": "fr"})
        assert refused.status_code == 409
        assert refused.json()["code"] == "checkin_refused_cancelled"
        assert refused.json()["detail"] == "Entrée refusée : cette inscription a été annulée."
        # The cancellation gave the seat to the waiting participant: now confirmed, they get in.
        admitted = await svc.client.post(url, json={"token": waiting_token}, headers=svc.staff(conference["id"]))
        assert admitted.json()["outcome"] == "checked_in"
        other = await svc.conference(capacity=1)
        await svc.register(other["id"])
        still_waiting = await svc.register(other["id"])
        token = signer.sign({"t": "badge", "r": still_waiting["registration"]["id"], "c": other["id"]})
        response = await svc.client.post(f"/checkin/conferences/{other['id']}/scans", json={"token": token},
                                         headers=svc.staff(other["id"]))
        assert response.status_code == 409 and response.json()["code"] == "checkin_refused_waitlisted"


async def test_offline_batch_synced_twice_gives_the_same_answers_and_one_checkin(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        tokens = [await _badge_token(svc, await svc.register(conference["id"])) for _ in range(3)]
        await svc.held_on(conference["id"], "2026-01-10", "2026-01-11")
        batch = {"device_id": "scanner-7", "scans": [
            {"token": tokens[0], "nonce": "n1", "scanned_at": "2026-01-10T08:30:00Z"},
            {"token": tokens[1], "nonce": "n2", "scanned_at": "2026-01-10T08:31:00Z"},
            {"token": tokens[0], "nonce": "n3", "scanned_at": "2026-01-10T08:35:00Z"},
            {"token": "forged", "nonce": "n4", "scanned_at": "2026-01-10T08:36:00Z"},
        ]}
        url = f"/checkin/conferences/{conference['id']}/scans/batch"
        first = await svc.client.post(url, json=batch, headers=svc.staff(conference["id"]))
        assert first.status_code == 200, first.text
        assert [a["outcome"] for a in first.json()] == ["checked_in", "checked_in", "already_checked_in", "invalid"]
        assert first.json()[0]["checked_in_at"].startswith("2026-01-10T08:30")
        second = await svc.client.post(url, json=batch, headers=svc.staff(conference["id"]))
        assert second.json() == first.json()
        # A scan of the third badge after the sync works as usual.
        online = await svc.client.post(f"/checkin/conferences/{conference['id']}/scans",
                                       json={"token": tokens[2], "device_id": "scanner-7", "nonce": "n5",
                                             "scanned_at": "2026-01-11T09:00:00Z"},
                                       headers=svc.staff(conference["id"]))
        assert online.json()["outcome"] == "checked_in"
        checked = await svc.platform.db.registrations.count_documents(
            {"conference_id": conference["id"], "checked_in_at": {"$ne": None}})
        assert checked == 3
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=6)
        checkins = [envelope_of(r)["data"] for r in records if envelope_of(r)["type"].endswith("checked-in.v1")]
        assert len(checkins) == 3 and {c["device_id"] for c in checkins} == {"scanner-7"}


async def test_scanning_needs_staff_of_that_conference(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference, other = await svc.conference(), await svc.conference()
        url = f"/checkin/conferences/{conference['id']}/scans"
        assert (await svc.client.post(url, json={"token": "x"})).status_code == 401
        exhibitor = keys.headers("exhibitor:cooperative:coop-1")
        assert (await svc.client.post(url, json={"token": "x"}, headers=exhibitor)).status_code == 403
        elsewhere = await svc.client.post(url, json={"token": "x"}, headers=svc.staff(other["id"]))
        assert elsewhere.status_code == 403 and elsewhere.json()["code"] == "forbidden"
        here = await svc.client.post(url, json={"token": "x"}, headers=svc.staff(conference["id"]))
        assert here.status_code == 400 and here.json()["code"] == "invalid_qr"


def _local(day_offset: int, hours: float) -> str:
    """A moment ``hours`` after local midnight of today + ``day_offset`` in Casablanca, as UTC ISO."""
    midnight = datetime.combine(local_today() + timedelta(days=day_offset), time.min, ZoneInfo("Africa/Casablanca"))
    return (midnight + timedelta(hours=hours)).astimezone(UTC).isoformat()


async def test_scans_outside_the_conference_days_or_in_the_future_are_refused_and_change_nothing(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        today = local_today()
        conference = await svc.conference(starts_on=today.isoformat(), ends_on=today.isoformat())
        created = await svc.register(conference["id"])
        token = await _badge_token(svc, created)
        url = f"/checkin/conferences/{conference['id']}/scans"
        staff = svc.staff(conference["id"])
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        for scanned_at, status, code in (
            (tomorrow, 400, "scan_in_future"),
            ("1970-01-01T00:00:00Z", 409, "scan_outside_conference_days"),
            (_local(0, -5), 409, "scan_outside_conference_days"),
        ):
            answer = await svc.client.post(url, json={"token": token, "scanned_at": scanned_at},
                                           headers=svc.staff(conference["id"]) | {"Accept-Language": "ar"})
            assert answer.status_code == status, scanned_at
            assert answer.json()["code"] == code
        batch = await svc.client.post(f"{url}/batch", headers=staff | {"Accept-Language": "en"}, json={
            "device_id": "gate-3", "scans": [{"token": token, "nonce": "t1", "scanned_at": tomorrow},
                                             {"token": token, "nonce": "t2", "scanned_at": "1970-01-01T00:00:00Z"}]})
        assert [(a["outcome"], a["code"]) for a in batch.json()] == [
            ("invalid", "scan_in_future"), ("refused", "scan_outside_conference_days")]
        assert batch.json()[1]["message"] == "The scan time is outside the days of this conference."
        stored = await svc.platform.db.registrations.find_one({"_id": created["registration"]["id"]})
        assert stored["checked_in_at"] is None
        # Early arrival: three hours before the first day begins still counts.
        early = await svc.client.post(url, json={"token": token, "scanned_at": _local(0, -3)}, headers=staff)
        assert early.json()["outcome"] == "checked_in", early.text


async def test_badge_of_a_conference_that_ended_is_refused_today_but_counts_within_the_margin(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        ended = await svc.conference()
        token = await _badge_token(svc, await svc.register(ended["id"]))
        await svc.held_on(ended["id"], "2020-06-16", "2020-06-17")
        url = f"/checkin/conferences/{ended['id']}/scans"
        today = await svc.client.post(url, json={"token": token},
                                      headers=svc.staff(ended["id"]) | {"Accept-Language": "fr"})
        assert today.status_code == 409 and today.json()["code"] == "scan_outside_conference_days"
        assert today.json()["detail"] == "L'heure du scan est en dehors des jours de cette conférence."
        # The last day ends at midnight in Casablanca (UTC+1 then): 02:30 local still counts, 04:30 does not.
        late = await svc.client.post(url, json={"token": token, "scanned_at": "2020-06-18T03:30:00Z"},
                                     headers=svc.staff(ended["id"]))
        assert late.status_code == 409 and late.json()["code"] == "scan_outside_conference_days"
        within = await svc.client.post(url, json={"token": token, "scanned_at": "2020-06-18T01:30:00Z"},
                                       headers=svc.staff(ended["id"]))
        assert within.status_code == 200 and within.json()["outcome"] == "checked_in"


async def test_the_conference_time_zone_decides_its_days(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        tokyo = await svc.conference(timezone="Asia/Tokyo")
        token = await _badge_token(svc, await svc.register(tokyo["id"]))
        await svc.held_on(tokyo["id"], "2026-05-10", "2026-05-10")
        url = f"/checkin/conferences/{tokyo['id']}/scans"
        # 10 May begins at 15:00 UTC on 9 May in Tokyo; four hours earlier is the limit.
        before = await svc.client.post(url, json={"token": token, "scanned_at": "2026-05-09T10:30:00Z"},
                                       headers=svc.staff(tokyo["id"]))
        assert before.status_code == 409 and before.json()["code"] == "scan_outside_conference_days"
        inside = await svc.client.post(url, json={"token": token, "scanned_at": "2026-05-09T23:00:00Z"},
                                       headers=svc.staff(tokyo["id"]))
        assert inside.json()["outcome"] == "checked_in", inside.text


async def test_erased_registration_badge_is_refused(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        created = await svc.register(conference["id"])
        token = await _badge_token(svc, created)
        rid = created["registration"]["id"]
        erased = await svc.client.post(f"/admin/registrations/{rid}/erase", headers=svc.organizer)
        assert erased.status_code == 200
        url = f"/checkin/conferences/{conference['id']}/scans"
        answer = await svc.client.post(url, json={"token": token},
                                       headers=svc.staff(conference["id"]) | {"Accept-Language": "en"})
        assert answer.status_code == 409 and answer.json()["code"] == "checkin_refused_erased"
        assert answer.json()["detail"] == "Entry refused: the personal data of this registration has been erased."
        stored = await svc.platform.db.registrations.find_one({"_id": rid})
        assert stored["checked_in_at"] is None


async def test_badges_signed_before_and_after_a_key_rotation_both_check_in(
    infra: Infra, keys: Keys, tmp_path: Path
) -> None:
    old, new = Keys.generate(tmp_path / "old"), Keys.generate(tmp_path / "new")
    same = {"prefix": unique("t") + ".", "mongo_db": unique("db").replace("-", "_")}
    async with registration_service(infra, keys, signing_key_file=str(old.private_file), **same) as svc:
        conference = await svc.conference()
        before = await svc.register(conference["id"])
        old_badge = await _badge_token(svc, before)
    # The rotation: a new current key, the old one kept for verification (its public half suffices).
    async with registration_service(infra, keys, signing_key_file=str(new.private_file),
                                    signing_previous_key_files=str(old.public_file), **same) as svc:
        after = await svc.register(conference["id"])
        new_badge = await _badge_token(svc, after)
        kids = [jwt.get_unverified_header(token)["kid"] for token in (old_badge, new_badge)]
        assert kids[0] != kids[1]
        jwks = (await svc.client.get("/.well-known/jwks.json")).json()["keys"]
        assert [key["kid"] for key in jwks] == [kids[1], kids[0]]
        url = f"/checkin/conferences/{conference['id']}/scans"
        for badge in (old_badge, new_badge):
            answer = await svc.client.post(url, json={"token": badge}, headers=svc.staff(conference["id"]))
            assert answer.status_code == 200 and answer.json()["outcome"] == "checked_in", answer.text
        # The manage link mailed before the rotation still opens the registration.
        mine = await svc.client.get(f"/registrations/{before['registration']['id']}",
                                    params={"token": before["manage_token"]})
        assert mine.status_code == 200
    # Without the old key, its badges no longer verify: the previous key is what keeps them valid.
    async with registration_service(infra, keys, signing_key_file=str(new.private_file), **same) as svc:
        refused = await svc.client.post(f"/checkin/conferences/{conference['id']}/scans",
                                        json={"token": old_badge}, headers=svc.staff(conference["id"]))
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_qr"


def test_registration_refuses_to_start_in_production_without_its_signing_key(
    infra: Infra, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    settings = Settings(mongo_url=infra.mongo_url, jwt_public_key_file=str(keys.public_file))
    assert settings.production
    with pytest.raises(MissingSigningKey, match="SIGNING_KEY_FILE"):
        create_app(settings)
    with pytest.raises(FileNotFoundError):
        create_app(settings.model_copy(update={"signing_key_file": str(keys.private_file),
                                               "signing_previous_key_files": "/nowhere/old.pem"}))
    create_app(settings.model_copy(update={"signing_key_file": str(keys.private_file)}))


async def test_offline_decisions_are_flagged_a_refusal_never_checks_in_and_a_revoked_admission_is_one_conflict(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        cid = conference["id"]
        kept, cancelled = await svc.register(cid), await svc.register(cid)
        token_kept, token_cancelled = await _badge_token(svc, kept), await _badge_token(svc, cancelled)
        snapshot = (await svc.client.get(f"/checkin/conferences/{cid}/snapshot", headers=svc.staff(cid))).json()
        # Cancelled after the device took its snapshot: the device still admits the badge.
        await svc.client.post(f"/registrations/{cancelled['registration']['id']}/cancel",
                              params={"token": cancelled["manage_token"]})
        now = datetime.now(UTC).isoformat()
        offline = {"decided_offline": True, "snapshot_version": snapshot["version"], "scanned_at": now}
        url = f"/checkin/conferences/{cid}/scans/batch"
        for device in ("gate-1", "gate-2"):
            answers = (await svc.client.post(url, headers=svc.staff(cid) | {"Accept-Language": "en"}, json={
                "device_id": device, "scans": [
                    {"token": token_kept, "nonce": "refused", "offline_verdict": "refused", **offline},
                    {"token": token_cancelled, "nonce": "admitted", "offline_verdict": "admitted", **offline}]})).json()
            assert [a["code"] for a in answers] == ["badge_refused_at_gate", "checkin_refused_cancelled"]
            assert answers[0]["message"] == "The gate device refused this code offline; no entry was recorded."
        registration = await svc.client.get(f"/admin/registrations/{kept['registration']['id']}",
                                            headers=svc.organizer)
        assert registration.json()["checked_in_at"] is None
        conflicts = (await svc.client.get(f"/admin/conferences/{cid}/checkin-conflicts",
                                          headers=svc.keys.headers(f"organizer:conference:{cid}"))).json()
        assert conflicts["count"] == 1
        [conflict] = conflicts["conflicts"]
        assert conflict["kind"] == "revoked_after_snapshot" and sorted(conflict["devices"]) == ["gate-1", "gate-2"]
        assert conflict["snapshot_version"] == snapshot["version"]
        stats = (await svc.client.get(f"/admin/conferences/{cid}/stats", headers=svc.organizer)).json()
        assert stats["offline_conflicts"] == 1 and stats["checked_in"] == 0
        staff_only = await svc.client.get(f"/admin/conferences/{cid}/checkin-conflicts", headers=svc.staff(cid))
        assert staff_only.status_code == 403
