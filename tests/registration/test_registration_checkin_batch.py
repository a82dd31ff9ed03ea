"""A scanner's offline batch is applied in one transaction, each scan answered as a live scan would be."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from registration_factories import Running, registration_service

from registration.service import context_of
from support import Infra, Keys, envelope_of, read_topic


def _transactions(svc: Running) -> float:
    return float(svc.platform.metrics.transactions._value.get())


async def _written(svc: Running, cid: str) -> dict[str, Any]:
    """What a batch can write: scans, check-ins (with their versions), conflicts, outbox entries."""
    db = svc.platform.db
    versions = {doc["_id"]: (doc["version"], doc.get("checked_in_at"))
                async for doc in db.registrations.find({"conference_id": cid})}
    return {"scans": await db.scans.count_documents({"conference_id": cid}), "versions": versions,
            "conflicts": await db.checkin_conflicts.count_documents({"conference_id": cid}),
            "outbox": len(await svc.platform.outbox.written())}


async def test_a_batch_of_25_scans_is_one_transaction_with_each_scan_answered_and_a_retry_writes_nothing(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        cid = conference["id"]
        created = [await svc.register(cid) for _ in range(22)]
        signer = context_of(svc.platform).signer
        tokens = [signer.sign({"t": "badge", "r": c["registration"]["id"], "c": cid}) for c in created]
        snapshot = (await svc.client.get(f"/checkin/conferences/{cid}/snapshot", headers=svc.staff(cid))).json()
        # Revoked after the snapshot: the device still admits it (one conflict); already checked in
        # at another gate before the sync: admitted offline again (another conflict).
        revoked = created[0]
        await svc.client.post(f"/registrations/{revoked['registration']['id']}/cancel",
                              params={"token": revoked["manage_token"]})
        live = await svc.client.post(f"/checkin/conferences/{cid}/scans", headers=svc.staff(cid),
                                     json={"token": tokens[1], "device_id": "gate-1", "nonce": "live"})
        assert live.json()["outcome"] == "checked_in"
        at = datetime.now(UTC) - timedelta(minutes=5)
        offline = {"decided_offline": True, "offline_verdict": "admitted", "snapshot_version": snapshot["version"]}

        def scan(token: str, nonce: str, **extra: Any) -> dict[str, Any]:
            return {"token": token, "nonce": nonce, "scanned_at": at.isoformat(), **offline, **extra}

        scans = [scan(tokens[0], "revoked"), scan(tokens[1], "already"), scan(tokens[1], "again")]
        scans += [scan(token, f"n{i}") for i, token in enumerate(tokens[2:])]  # 20 first check-ins
        scans += [scan(tokens[2], "n0"), scan(tokens[3], "twice")]  # the same scan id; the same badge again
        assert len(scans) == 25
        url = f"/checkin/conferences/{cid}/scans/batch"
        before = _transactions(svc)
        first = await svc.client.post(url, json={"device_id": "gate-2", "scans": scans},
                                      headers=svc.staff(cid) | {"Accept-Language": "en"})
        assert first.status_code == 200, first.text
        assert _transactions(svc) == before + 1
        answers = first.json()
        assert [a["code"] for a in answers[:3]] == ["checkin_refused_cancelled", "already_checked_in",
                                                   "already_checked_in"]
        assert [a["outcome"] for a in answers[3:23]] == ["checked_in"] * 20
        assert answers[23] == answers[3]  # a scan id seen earlier in the batch answers the same
        assert answers[24]["outcome"] == "already_checked_in" and answers[24]["nonce"] == "twice"
        assert answers[24]["checked_in_at"] == answers[4]["checked_in_at"]
        written = await _written(svc, cid)
        # 24 distinct scan ids plus the live one; one conflict per registration and kind.
        assert written["scans"] == 25 and written["conflicts"] == 2
        checked = [v for v in written["versions"].values() if v[1] is not None]
        assert len(checked) == 21

        retry = await svc.client.post(url, json={"device_id": "gate-2", "scans": scans},
                                      headers=svc.staff(cid) | {"Accept-Language": "en"})
        assert retry.json() == answers
        assert _transactions(svc) == before + 2
        assert await _written(svc, cid) == written
        conflicts = (await svc.client.get(f"/admin/conferences/{cid}/checkin-conflicts",
                                          headers=svc.keys.headers(f"organizer:conference:{cid}"))).json()
        assert sorted(c["kind"] for c in conflicts["conflicts"]) == ["admitted_on_two_devices",
                                                                      "revoked_after_snapshot"]
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=22 + 1 + 21)
        checkins = [envelope_of(r)["data"] for r in records if envelope_of(r)["type"].endswith("checked-in.v1")]
        assert len(checkins) == 21 and len({c["registration_id"] for c in checkins}) == 21


async def test_concurrent_live_scans_share_transactions_and_each_badge_checks_in_once(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference())["id"]
        created = [await svc.register(cid) for _ in range(10)]
        signer = context_of(svc.platform).signer
        tokens = [signer.sign({"t": "badge", "r": c["registration"]["id"], "c": cid}) for c in created]
        url = f"/checkin/conferences/{cid}/scans"
        scans = [{"token": token, "device_id": f"gate-{i % 3}", "nonce": f"n{i}"} for i, token in enumerate(tokens)]
        scans += [{"token": tokens[0], "device_id": "gate-9", "nonce": f"again{i}"} for i in range(2)]
        before = _transactions(svc)
        answers = await asyncio.gather(*[svc.client.post(url, json=scan, headers=svc.staff(cid)) for scan in scans])
        outcomes = [a.json()["outcome"] for a in answers]
        assert sorted(outcomes) == ["already_checked_in"] * 2 + ["checked_in"] * 10
        assert _transactions(svc) - before < len(scans)
        written = await _written(svc, cid)
        assert written["scans"] == 12 and sum(v[1] is not None for v in written["versions"].values()) == 10
        assert all(version == 2 for version, at in written["versions"].values())
