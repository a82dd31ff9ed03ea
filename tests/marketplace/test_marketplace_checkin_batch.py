"""A pass scanner's offline batch is applied in one transaction, each scan answered as before."""

from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace_factories import marketplace_service, today

from support import Infra, Keys, read_topic


def _transactions(svc: Any) -> float:
    return float(svc.ctx.platform.metrics.transactions._value.get())


async def _written(svc: Any, mid: str) -> dict[str, int]:
    db = svc.store.db
    return {"checkins": await db.checkins.count_documents({"market_id": mid}),
            "scans": await db.offline_scans.count_documents({"market_id": mid}),
            "conflicts": await db.checkin_conflicts.count_documents({"market_id": mid}),
            "outbox": len(await svc.ctx.platform.outbox.written())}


async def test_a_batch_of_25_pass_scans_is_one_transaction_with_each_scan_answered_and_a_retry_writes_nothing(
        infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        day1, day2 = today() - timedelta(days=1), today()
        market = await svc.market(stands=8, days=[day1.isoformat(), day2.isoformat()])
        mid = market["id"]
        exhibitors = [await svc.exhibitor_at(mid) for _ in range(8)]
        tokens = [await svc.pass_token(application) for _, application in exhibitors]
        snapshot = (await svc.client.get(f"/markets/{mid}/checkins/snapshot", headers=svc.staff(mid))).json()
        coop, withdrawn = exhibitors[0]
        await svc.client.post(f"/applications/{withdrawn['id']}/withdraw", headers=svc.exhibitor(coop["id"]))
        live = await svc.client.post(f"/markets/{mid}/checkins", json={"token": tokens[1], "device_id": "gate-1"},
                                     headers=svc.staff(mid))
        assert live.status_code == 201
        on_day1 = datetime(day1.year, day1.month, day1.day, 10, 0, tzinfo=UTC)
        now = datetime.now(UTC) - timedelta(minutes=1)
        admitted = {"decided_offline": True, "offline_verdict": "admitted", "snapshot_version": snapshot["version"]}

        def scan(token: str, nonce: str, at: datetime, **extra: Any) -> dict[str, Any]:
            return {"token": token, "nonce": nonce, "scanned_at": at.isoformat(), **admitted, **extra}

        scans = [scan(tokens[0], "withdrawn", now), scan(tokens[1], "live-before", now)]
        scans += [scan(token, f"d1-{i}", on_day1) for i, token in enumerate(tokens[1:])]  # 7 check-ins
        scans += [scan(token, f"d2-{i}", now) for i, token in enumerate(tokens[2:])]  # 6 check-ins
        scans += [scan(tokens[2], "d1-1", on_day1),  # a scan id already in the batch
                  scan(tokens[3], "refused", now, offline_verdict="refused"),
                  scan(tokens[4], "refused-too", now, offline_verdict="refused"),
                  scan("forged.token.value", "forged", now)]
        scans += [scan(token, f"again-{i}", now) for i, token in enumerate(tokens[2:])]  # 6 repeats
        assert len(scans) == 25
        url = f"/markets/{mid}/checkins/batch"
        before = _transactions(svc)
        first = await svc.client.post(url, json={"device_id": "tablet-7", "scans": scans}, headers=svc.staff(mid))
        assert first.status_code == 200, first.text
        assert _transactions(svc) == before + 1
        body = first.json()
        results = body["results"]
        assert [r["code"] for r in results[:2]] == ["pass_revoked", "exhibitor_already_checked_in"]
        assert results[1]["first_device_id"] == "gate-1"
        assert [r["status"] for r in results[2:15]] == ["checked_in"] * 13
        assert results[15] == results[3]
        assert [r["code"] for r in results[16:19]] == ["pass_refused_at_gate"] * 2 + ["invalid_pass"]
        assert [r["status"] for r in results[19:]] == ["already_checked_in"] * 6
        assert all(r["first_device_id"] == "tablet-7" for r in results[19:])
        # The repeated scan id counts as its first answer (a check-in).
        assert (body["checked_in"], body["conflicts"], body["refused"]) == (14, 7, 4)
        written = await _written(svc, mid)
        # 24 distinct scan ids; the withdrawn pass and the pass admitted on two devices, once each.
        assert written["checkins"] == 14 and written["scans"] == 24 and written["conflicts"] == 2

        retry = await svc.client.post(url, json={"device_id": "tablet-7", "scans": scans}, headers=svc.staff(mid))
        assert retry.json() == body
        assert _transactions(svc) == before + 2
        assert await _written(svc, mid) == written
        conflicts = (await svc.client.get(f"/markets/{mid}/checkin-conflicts",
                                          headers=svc.keys.headers(f"organizer:market:{mid}"))).json()
        assert sorted(c["kind"] for c in conflicts["conflicts"]) == ["admitted_on_two_devices",
                                                                      "revoked_after_snapshot"]
        prefix = svc.settings.kafka_topic_prefix
        records = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.checkins", expect=14)
        assert len(records) == 14
