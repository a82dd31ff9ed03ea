"""Signed QR badges and check-in: online scans, offline batches, forged and foreign tokens."""

import base64
import json
from datetime import UTC, datetime

from registration_factories import decode_qr, registration_service

from shared.formats import moment_text
from shared.signing import Signer
from support import Infra, Keys, envelope_of, read_topic


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
        first = await svc.client.post(url, json={"token": token}, headers=svc.staff)
        assert first.status_code == 200, first.text
        assert first.json()["outcome"] == "checked_in"
        second = await svc.client.post(url, json={"token": token}, headers=svc.staff | {"Accept-Language": "en"})
        assert second.status_code == 200
        assert second.json()["outcome"] == "already_checked_in"
        # The first scan's time in the conference's time zone, written in the caller's language.
        at = moment_text(datetime.fromisoformat(second.json()["checked_in_at"]), "en", "Africa/Casablanca")
        assert second.json()["message"] == f"This participant was already checked in on {at}."
        assert str(datetime.now(UTC).year) in at and "T" not in at
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=3)
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
            response = await svc.client.post(url, json={"token": token}, headers=svc.staff)
            assert response.status_code == 400, token
            assert response.json()["code"] == code
        manage_as_badge = await svc.client.post(url, json={"token": (await svc.register(here["id"]))["manage_token"]},
                                                headers=svc.staff)
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
        signer = svc.platform.extras["signer"]
        waiting_token = signer.sign({"t": "badge", "r": waiting["registration"]["id"], "c": conference["id"]})
        await svc.client.post(f"/registrations/{seated['registration']['id']}/cancel",
                              params={"token": seated["manage_token"]})
        url = f"/checkin/conferences/{conference['id']}/scans"
        refused = await svc.client.post(url, json={"token": token}, headers=svc.staff | {"Accept-Language": "fr"})
        assert refused.status_code == 409
        assert refused.json()["code"] == "checkin_refused_cancelled"
        assert refused.json()["detail"] == "Entrée refusée : cette inscription a été annulée."
        # The cancellation gave the seat to the waiting participant: now confirmed, they get in.
        admitted = await svc.client.post(url, json={"token": waiting_token}, headers=svc.staff)
        assert admitted.json()["outcome"] == "checked_in"
        other = await svc.conference(capacity=1)
        await svc.register(other["id"])
        still_waiting = await svc.register(other["id"])
        token = signer.sign({"t": "badge", "r": still_waiting["registration"]["id"], "c": other["id"]})
        response = await svc.client.post(f"/checkin/conferences/{other['id']}/scans", json={"token": token},
                                         headers=svc.staff)
        assert response.status_code == 409 and response.json()["code"] == "checkin_refused_waitlisted"


async def test_offline_batch_synced_twice_gives_the_same_answers_and_one_checkin(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        tokens = [await _badge_token(svc, await svc.register(conference["id"])) for _ in range(3)]
        batch = {"device_id": "scanner-7", "scans": [
            {"token": tokens[0], "nonce": "n1", "scanned_at": "2026-01-10T08:30:00Z"},
            {"token": tokens[1], "nonce": "n2", "scanned_at": "2026-01-10T08:31:00Z"},
            {"token": tokens[0], "nonce": "n3", "scanned_at": "2026-01-10T08:35:00Z"},
            {"token": "forged", "nonce": "n4"},
        ]}
        url = f"/checkin/conferences/{conference['id']}/scans/batch"
        first = await svc.client.post(url, json=batch, headers=svc.staff)
        assert first.status_code == 200, first.text
        assert [a["outcome"] for a in first.json()] == ["checked_in", "checked_in", "already_checked_in", "invalid"]
        assert first.json()[0]["checked_in_at"].startswith("2026-01-10T08:30")
        second = await svc.client.post(url, json=batch, headers=svc.staff)
        assert second.json() == first.json()
        # An online scan of the third badge after the sync works as usual.
        online = await svc.client.post(f"/checkin/conferences/{conference['id']}/scans",
                                       json={"token": tokens[2], "device_id": "scanner-7", "nonce": "n5"},
                                       headers=svc.staff)
        assert online.json()["outcome"] == "checked_in"
        checked = await svc.platform.db.registrations.count_documents(
            {"conference_id": conference["id"], "checked_in_at": {"$ne": None}})
        assert checked == 3
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=9)
        checkins = [envelope_of(r)["data"] for r in records if envelope_of(r)["type"].endswith("checked-in.v1")]
        assert len(checkins) == 3 and {c["device_id"] for c in checkins} == {"scanner-7"}


async def test_scanning_needs_the_staff_role(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        url = f"/checkin/conferences/{conference['id']}/scans"
        assert (await svc.client.post(url, json={"token": "x"})).status_code == 401
        exhibitor = keys.headers("exhibitor", cooperative_id="coop-1")
        assert (await svc.client.post(url, json={"token": "x"}, headers=exhibitor)).status_code == 403
