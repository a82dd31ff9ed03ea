"""Exhibitor passes: QR decoding, live scans, refusals, offline batches, attendance."""

import base64
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jwt
import pytest
from marketplace_factories import decode_qr, marketplace_service, today

from marketplace.app import create_app
from marketplace.settings import Settings
from shared.signing import MissingSigningKey, Signer, Verifier
from support import Infra, Keys, envelope_of, read_topic, unique


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


async def test_pass_qr_decodes_to_a_token_that_checks_in_once_per_day(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        coop, application = await svc.exhibitor_at(market["id"], women_led=True, sector="honey")
        me = svc.exhibitor(coop["id"])
        png = await svc.client.get(f"/applications/{application['id']}/pass.png", headers=me)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        token = decode_qr(png.content)
        svg = await svc.client.get(f"/applications/{application['id']}/pass.svg", headers=me)
        assert svg.status_code == 200 and b"<svg" in svg.content
        url = f"/markets/{market['id']}/checkins"
        first = await svc.client.post(url, json={"token": token, "device_id": "gate-1"},
                                      headers=svc.staff(market["id"]))
        assert first.status_code == 201, first.text
        assert first.json()["stand_number"] == application["stand_number"] and first.json()["day"] == str(today())
        assert first.json()["cooperative_name"]["fr"] == coop["name"]["fr"]
        repeat = await svc.client.post(url, json={"token": token},
                                       headers=svc.staff(market["id"]) | {"Accept-Language": "fr"})
        assert repeat.status_code == 409 and repeat.json()["code"] == "exhibitor_already_checked_in"
        assert repeat.json()["params"]["checked_in_at"] == first.json()["checked_in_at"].replace("Z", "+00:00")
        assert "déjà enregistré" in repeat.json()["detail"]
        prefix = svc.settings.kafka_topic_prefix
        [record] = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.checkins", expect=1)
        message = envelope_of(record)
        assert message["type"] == "marketplace.exhibitor-checked-in.v1"
        assert message["subject"] == application["pass_id"]
        assert set(message["data"]) == {"market_id", "cooperative_id", "stand", "day", "region", "sector",
                                        "women_led", "youth_led", "checked_in_at"}
        assert message["data"]["women_led"] is True and message["data"]["sector"] == "honey"
        profile = await svc.client.get(f"/cooperatives/{coop['id']}", headers=me)
        assert profile.json()["last_exhibited_on"] == str(today())


async def test_pass_is_verifiable_offline_with_the_published_key(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        _, application = await svc.exhibitor_at(market["id"])
        token = await svc.pass_token(application)
        jwks = (await svc.client.get("/.well-known/jwks.json")).json()
        [key] = jwks["keys"]
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        raw = base64.urlsafe_b64decode(key["x"] + "==")
        claims = Verifier([Ed25519PublicKey.from_public_bytes(raw)]).verify(token, kind="pass")
        assert claims == {"t": "pass", "p": application["pass_id"], "m": market["id"],
                          "c": application["cooperative_id"], "s": application["stand_number"]}


async def test_pass_for_another_market_another_day_or_forged_is_refused(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        other = await svc.market()
        later = await svc.market(days=[(today() + timedelta(days=5)).isoformat()])
        _, application = await svc.exhibitor_at(market["id"])
        _, later_application = await svc.exhibitor_at(later["id"])
        token = await svc.pass_token(application)
        wrong_market = await svc.client.post(f"/markets/{other['id']}/checkins", json={"token": token},
                                             headers=svc.staff(other["id"]))
        assert wrong_market.status_code == 409 and wrong_market.json()["code"] == "pass_other_market"
        wrong_day = await svc.client.post(f"/markets/{later['id']}/checkins", headers=svc.staff(later["id"]),
                                          json={"token": await svc.pass_token(later_application)})
        assert wrong_day.status_code == 409 and wrong_day.json()["code"] == "not_an_opening_day"
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["s"] = 99
        tampered = f"{header}.{_b64(json.dumps(claims).encode()).decode()}.{signature}"
        impostor = Signer.from_file_or_new("").sign(claims)
        for forged in (tampered, impostor, "not-a-token"):
            response = await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": forged},
                                             headers=svc.staff(market["id"]) | {"Accept-Language": "ar"})
            assert response.status_code == 422 and response.json()["code"] == "invalid_pass"
            assert response.json()["detail"] == "شارة مزورة أو غير مقروءة."
        exhibitor = await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": token},
                                          headers=svc.exhibitor(application["cooperative_id"]))
        assert exhibitor.status_code == 403


async def test_withdrawn_exhibitors_pass_is_revoked(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        coop, application = await svc.exhibitor_at(market["id"])
        token = await svc.pass_token(application)
        await svc.client.post(f"/applications/{application['id']}/withdraw", headers=svc.exhibitor(coop["id"]))
        response = await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": token},
                                         headers=svc.staff(market["id"]))
        assert response.status_code == 409 and response.json()["code"] == "pass_revoked"


async def test_offline_batch_synced_twice_gives_the_same_result_and_reports_conflicts(
    infra: Infra, keys: Keys
) -> None:
    async with marketplace_service(infra, keys) as svc:
        day1, day2 = today() - timedelta(days=1), today()
        market = await svc.market(days=[day1.isoformat(), day2.isoformat()])
        coop_a, a = await svc.exhibitor_at(market["id"])
        _, b = await svc.exhibitor_at(market["id"])
        token_a, token_b = await svc.pass_token(a), await svc.pass_token(b)
        on_day1 = datetime(day1.year, day1.month, day1.day, 10, 0, tzinfo=UTC)
        live = await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": token_b,
                                     "device_id": "gate-online"}, headers=svc.staff(market["id"]))
        assert live.status_code == 201
        batch = {"device_id": "tablet-7", "scans": [
            {"nonce": "n1", "token": token_a, "scanned_at": on_day1.isoformat()},
            {"nonce": "n2", "token": token_a, "scanned_at": (on_day1 + timedelta(hours=2)).isoformat()},
            {"nonce": "n3", "token": token_b, "scanned_at": datetime.now(UTC).isoformat()},
            {"nonce": "n4", "token": "forged.token.value", "scanned_at": on_day1.isoformat()},
            {"nonce": "n5", "token": token_a, "scanned_at": (on_day1 - timedelta(days=3)).isoformat()},
        ]}
        url = f"/markets/{market['id']}/checkins/batch"
        first = await svc.client.post(url, json=batch, headers=svc.staff(market["id"]))
        assert first.status_code == 200, first.text
        outcomes = {r["nonce"]: r for r in first.json()["results"]}
        assert outcomes["n1"]["status"] == "checked_in" and outcomes["n1"]["day"] == str(day1)
        assert outcomes["n2"]["status"] == "already_checked_in"
        assert outcomes["n1"]["cooperative_name"] == outcomes["n2"]["cooperative_name"] == coop_a["name"]
        assert outcomes["n2"]["checked_in_at"] == outcomes["n1"]["checked_in_at"]
        assert outcomes["n3"]["status"] == "already_checked_in" and outcomes["n3"]["first_device_id"] == "gate-online"
        assert outcomes["n4"]["code"] == "invalid_pass" and outcomes["n5"]["code"] == "not_an_opening_day"
        assert (first.json()["checked_in"], first.json()["conflicts"], first.json()["refused"]) == (1, 2, 2)
        second = await svc.client.post(url, json=batch, headers=svc.staff(market["id"]))
        assert second.json() == first.json()
        reused = await svc.client.post(url, headers=svc.staff(market["id"]), json={"device_id": "tablet-7", "scans": [
            {"nonce": "n1", "token": token_b, "scanned_at": on_day1.isoformat()}]})
        assert reused.json()["results"][0]["code"] == "nonce_reused"
        assert await svc.store.db.checkins.count_documents({"market_id": market["id"]}) == 2
        prefix = svc.settings.kafka_topic_prefix
        records = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.checkins", expect=3, timeout=5)
        assert len(records) == 2


async def test_a_scan_time_past_the_calendar_is_refused_and_records_nothing(infra: Infra, keys: Keys) -> None:
    """The last instant of year 9999 has no Moroccan market day: refused as input, never a server error."""
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(days=[today().isoformat()])
        _, application = await svc.exhibitor_at(market["id"])
        token = await svc.pass_token(application)
        late = {"nonce": "late", "token": token, "scanned_at": "9999-12-31T23:59:59Z"}
        response = await svc.client.post(f"/markets/{market['id']}/checkins/batch", headers=svc.staff(market["id"]),
                                         json={"device_id": "tablet-9", "scans": [late]})
        assert response.status_code == 422
        assert [e["code"] for e in response.json()["errors"]] == ["moment_out_of_range"]
        assert await svc.store.db.checkins.count_documents({"market_id": market["id"]}) == 0


async def test_attendance_lists_check_ins_per_day_and_no_shows(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        days = [today() - timedelta(days=1), today(), today() + timedelta(days=1)]
        market = await svc.market(days=[d.isoformat() for d in days])
        present, a = await svc.exhibitor_at(market["id"])
        absent, b = await svc.exhibitor_at(market["id"])
        await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": await svc.pass_token(a)},
                              headers=svc.staff(market["id"]))
        attendance = await svc.client.get(f"/markets/{market['id']}/attendance", headers=svc.organizer)
        assert attendance.status_code == 200
        yesterday, now, tomorrow = attendance.json()["days"]
        assert (yesterday["checked_in"], len(yesterday["no_shows"])) == (0, 2)
        assert now["expected"] == 2 and now["checked_in"] == 1
        assert [n["cooperative_id"] for n in now["no_shows"]] == [absent["id"]]
        assert tomorrow["upcoming"] is True and tomorrow["no_shows"] == []
        assert present["id"] not in [n["cooperative_id"] for n in now["no_shows"]]
        staff = await svc.client.get(f"/markets/{market['id']}/attendance", headers=svc.staff(market["id"]))
        assert staff.status_code == 403


async def test_offline_scan_dated_tomorrow_is_refused_and_moves_nothing(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        tomorrow = today() + timedelta(days=1)
        market = await svc.market(days=[today().isoformat(), tomorrow.isoformat()])
        coop, application = await svc.exhibitor_at(market["id"])
        token = await svc.pass_token(application)
        ahead = datetime.now(UTC) + timedelta(days=1)
        response = await svc.client.post(
            f"/markets/{market['id']}/checkins/batch", headers=svc.staff(market["id"]) | {"Accept-Language": "fr"},
            json={"device_id": "tablet-4", "scans": [{"nonce": "f1", "token": token, "scanned_at": ahead.isoformat()}]})
        assert response.status_code == 200, response.text
        [result] = response.json()["results"]
        assert (result["status"], result["code"]) == ("refused", "scan_in_future")
        assert result["message"] == "L'heure du scan ne peut pas être dans le futur."
        assert await svc.store.db.checkins.count_documents({"market_id": market["id"]}) == 0
        profile = await svc.client.get(f"/cooperatives/{coop['id']}", headers=svc.exhibitor(coop["id"]))
        assert profile.json()["last_exhibited_on"] is None
        attendance = (await svc.client.get(f"/markets/{market['id']}/attendance", headers=svc.organizer)).json()
        assert [d["checked_in"] for d in attendance["days"]] == [0, 0]


async def test_early_arrival_before_the_first_day_counts_for_it_within_the_margin(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(days=[today().isoformat()])
        _, application = await svc.exhibitor_at(market["id"])
        token = await svc.pass_token(application)
        midnight = datetime.combine(today(), time.min, ZoneInfo("Africa/Casablanca"))
        scans = [{"nonce": "e1", "token": token, "scanned_at": (midnight - timedelta(hours=5)).isoformat()},
                 {"nonce": "e2", "token": token, "scanned_at": (midnight - timedelta(hours=3)).isoformat()}]
        response = await svc.client.post(f"/markets/{market['id']}/checkins/batch", headers=svc.staff(market["id"]),
                                         json={"device_id": "tablet-5", "scans": scans})
        too_early, early = response.json()["results"]
        assert (too_early["status"], too_early["code"]) == ("refused", "not_an_opening_day")
        assert early["status"] == "checked_in" and early["day"] == str(today())


async def test_passes_signed_before_and_after_a_key_rotation_both_check_in(
    infra: Infra, keys: Keys, tmp_path: Path
) -> None:
    old, new = Keys.generate(tmp_path / "old"), Keys.generate(tmp_path / "new")
    same = {"prefix": unique("t") + ".", "mongo_db": unique("db").replace("-", "_")}
    async with marketplace_service(infra, keys, signing_key_file=str(old.private_file), **same) as svc:
        market = await svc.market()
        _, first = await svc.exhibitor_at(market["id"])
        _, second = await svc.exhibitor_at(market["id"])
        printed_before = await svc.pass_token(first)
    async with marketplace_service(infra, keys, signing_key_file=str(new.private_file),
                                   signing_previous_key_files=f"{tmp_path}/old/*.pem", **same) as svc:
        issued_after = await svc.pass_token(second)
        kids = [jwt.get_unverified_header(token)["kid"] for token in (printed_before, issued_after)]
        assert kids[0] != kids[1]
        jwks = (await svc.client.get("/.well-known/jwks.json")).json()["keys"]
        assert [key["kid"] for key in jwks] == [kids[1], kids[0]]
        for token in (printed_before, issued_after):
            answer = await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": token},
                                           headers=svc.staff(market["id"]))
            assert answer.status_code == 201, answer.text
    async with marketplace_service(infra, keys, signing_key_file=str(new.private_file), **same) as svc:
        refused = await svc.client.post(f"/markets/{market['id']}/checkins", json={"token": printed_before},
                                        headers=svc.staff(market["id"]))
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_pass"


def test_marketplace_refuses_to_start_in_production_without_its_keys(infra: Infra, keys: Keys) -> None:
    base = Settings(environment="production", mongo_url=infra.mongo_url, jwt_public_key_file=str(keys.public_file))
    with pytest.raises(MissingSigningKey, match="SIGNING_KEY_FILE"):
        create_app(base.model_copy(update={"jwt_private_key_file": str(keys.private_file)}))
    with pytest.raises(MissingSigningKey, match="JWT_PRIVATE_KEY_FILE"):
        create_app(base.model_copy(update={"signing_key_file": str(keys.private_file)}))
    create_app(base.model_copy(update={"signing_key_file": str(keys.private_file),
                                       "jwt_private_key_file": str(keys.private_file)}))


async def test_offline_pass_decisions_are_flagged_a_refusal_never_checks_in_and_a_withdrawn_admission_is_a_conflict(
        infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        mid = market["id"]
        _, kept = await svc.exhibitor_at(mid)
        coop, withdrawn = await svc.exhibitor_at(mid)
        token_kept, token_withdrawn = await svc.pass_token(kept), await svc.pass_token(withdrawn)
        snapshot = (await svc.client.get(f"/markets/{mid}/checkins/snapshot", headers=svc.staff(mid))).json()
        assert snapshot["revoked"] == []
        # Withdrawn after the device took its snapshot: the device still admits the pass.
        await svc.client.post(f"/applications/{withdrawn['id']}/withdraw", headers=svc.exhibitor(coop["id"]))
        offline = {"decided_offline": True, "snapshot_version": snapshot["version"],
                   "scanned_at": datetime.now(UTC).isoformat()}
        for device in ("gate-1", "gate-2"):
            reply = await svc.client.post(f"/markets/{mid}/checkins/batch", headers=svc.staff(mid), json={
                "device_id": device, "scans": [
                    {"token": token_kept, "nonce": "refused", "offline_verdict": "refused", **offline},
                    {"token": token_withdrawn, "nonce": "admitted", "offline_verdict": "admitted", **offline}]})
            assert [r["code"] for r in reply.json()["results"]] == ["pass_refused_at_gate", "pass_revoked"]
        assert await svc.store.db.checkins.count_documents({"market_id": mid}) == 0
        conflicts = (await svc.client.get(f"/markets/{mid}/checkin-conflicts",
                                          headers=svc.keys.headers(f"organizer:market:{mid}"))).json()
        assert conflicts["count"] == 1 and conflicts["conflicts"][0]["kind"] == "revoked_after_snapshot"
        assert sorted(conflicts["conflicts"][0]["devices"]) == ["gate-1", "gate-2"]
        attendance = (await svc.client.get(f"/markets/{mid}/attendance", headers=svc.staff(mid)))
        assert attendance.status_code == 403
