"""The check-in day: the operator recorded with each scan, counts by category and hour, devices,
and the manual check-in of a participant without a badge (same rules as a scan, audited)."""

from datetime import timedelta

from registration_factories import decode_qr, local_today, registration_service

from support import Infra, Keys


async def _badge(svc, created) -> str:  # type: ignore[no-untyped-def]
    rid = created["registration"]["id"]
    png = await svc.client.get(f"/registrations/{rid}/badge.png", params={"token": created["manage_token"]})
    return decode_qr(png.content)


async def test_scans_keep_their_operator_and_the_day_counts_arrivals_by_category_and_device(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference())["id"]
        coop = await svc.register(cid, organization_type="cooperative")
        await svc.register(cid, organization_type="media")
        gate = svc.keys.headers(f"staff:conference:{cid}", sub="karim@example.ma", name="Karim Gate")
        scanned = await svc.client.post(f"/checkin/conferences/{cid}/scans", headers=gate,
                                        json={"token": await _badge(svc, coop), "device_id": "gate-1"})
        assert scanned.json()["outcome"] == "checked_in"

        organizer = svc.keys.headers(f"organizer:conference:{cid}")
        day = (await svc.client.get(f"/admin/conferences/{cid}/checkin-day", headers=organizer)).json()
        assert (day["arrived"], day["expected"]) == (1, 2)
        assert {c["category"]: (c["arrived"], c["expected"]) for c in day["by_category"]} == {
            "cooperative": (1, 1), "media": (0, 1)}
        assert [h["arrived"] for h in day["by_hour"]] == [1]
        assert day["last_scans"][0]["operator"] == "Karim Gate" and day["last_scans"][0]["device_id"] == "gate-1"
        assert "full_name" not in day["last_scans"][0]
        posing = await svc.client.post(f"/checkin/conferences/{cid}/scans", headers=gate,
                                       json={"token": await _badge(svc, coop), "device_id": "manual"})
        assert posing.status_code == 422  # a scanner cannot pass itself off as the organizers' desk
        assert day["devices"] == [{"device_id": "gate-1", "scans": 1, "last_at": day["devices"][0]["last_at"],
                                   "operators": ["Karim Gate"]}]


async def test_a_manual_check_in_is_recorded_with_the_organizer_audited_and_follows_the_window(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference())["id"]
        rid = (await svc.register(cid))["registration"]["id"]
        organizer = svc.keys.headers(f"organizer:conference:{cid}", sub="nadia@example.ma", name="Nadia")
        url = f"/admin/conferences/{cid}/manual-checkins"
        done = await svc.client.post(url, headers=organizer, json={"registration_id": rid})
        assert done.status_code == 200 and done.json()["outcome"] == "checked_in"
        again = await svc.client.post(url, headers=organizer, json={"registration_id": rid})
        assert again.json()["outcome"] == "already_checked_in"

        day = (await svc.client.get(f"/admin/conferences/{cid}/checkin-day", headers=organizer)).json()
        assert day["last_scans"][0]["device_id"] == "manual" and day["last_scans"][0]["operator"] == "Nadia"
        audit = (await svc.client.get("/admin/audit", params={"object_id": rid}, headers=svc.organizer)).json()
        assert [e["action"] for e in audit["items"]].count("registration.checkin.manual") == 2
        assert {e["actor_sub"] for e in audit["items"]} == {"nadia@example.ma"}

        other = (await svc.conference())["id"]
        foreign = await svc.client.post(f"/admin/conferences/{other}/manual-checkins",
                                        headers=svc.organizer, json={"registration_id": rid})
        assert foreign.status_code == 404
        later = local_today() + timedelta(days=30)
        future = (await svc.conference(starts_on=later.isoformat(), ends_on=later.isoformat()))["id"]
        early = (await svc.register(future))["registration"]["id"]
        refused = await svc.client.post(f"/admin/conferences/{future}/manual-checkins", headers=svc.organizer,
                                        json={"registration_id": early})
        assert refused.status_code == 409 and refused.json()["code"] == "scan_outside_conference_days"
