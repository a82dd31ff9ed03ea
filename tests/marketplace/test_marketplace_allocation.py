"""Applications and stand allocation through the API, on real MongoDB and Kafka."""

import asyncio
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import httpx
from marketplace_factories import Marketplace, marketplace_service

from marketplace import background
from marketplace.app import create_app
from shared.audit import Act
from shared.jobs import Job, Progress
from support import Infra, Keys, envelope_of, read_topic, running


async def test_one_application_covers_several_markets_of_a_circuit(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        rabat = await svc.market(circuit="circuit-2026", city="Rabat")
        oujda = await svc.market(circuit="circuit-2026", city="Oujda", region="oriental")
        coop = await svc.cooperative()
        applications = await svc.apply(coop["id"], rabat["id"], oujda["id"])
        assert {a["market_id"] for a in applications} == {rabat["id"], oujda["id"]}
        assert len({a["submission_id"] for a in applications}) == 1
        again = await svc.client.post("/applications", json={"market_ids": [oujda["id"]]},
                                      headers=svc.exhibitor(coop["id"]))
        assert again.status_code == 409 and again.json()["code"] == "already_applied"
        circuit = await svc.client.get("/markets", params={"circuit": "circuit-2026"})
        assert {m["city"] for m in circuit.json()} == {"Rabat", "Oujda"}


async def test_applications_outside_the_window_are_refused(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        past = datetime.now(UTC) - timedelta(days=10)
        closed = await svc.market(application_opens_at=past.isoformat(),
                                  application_closes_at=(past + timedelta(days=2)).isoformat())
        coop = await svc.cooperative()
        response = await svc.client.post("/applications", json={"market_ids": [closed["id"]]},
                                         headers=svc.exhibitor(coop["id"]) | {"Accept-Language": "en"})
        assert response.status_code == 409 and response.json()["code"] == "applications_closed"
        assert closed["id"] in response.json()["detail"]


async def test_allocation_follows_quotas_and_reserved_share_and_explains_each_decision(
    infra: Infra, keys: Keys
) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=4, rules={"region_quotas": {"souss-massa": 2}, "reserved_share": 0.25})
        souss = [await svc.cooperative(region="souss-massa") for _ in range(3)]
        women = await svc.cooperative(region="oriental", women_led=True, last_exhibited_on="2026-01-10")
        others = [await svc.cooperative(region="fes-meknes", last_exhibited_on="2025-06-01") for _ in range(2)]
        for coop in [*souss, women, *others]:
            await svc.apply(coop["id"], market["id"])
        result = await svc.client.post(f"/markets/{market['id']}/allocation",
                                       headers=svc.organizer | {"Accept-Language": "fr"})
        assert result.status_code == 200, result.text
        accepted = {a["cooperative_id"]: a for a in result.json()["accepted"]}
        waitlisted = {a["cooperative_id"]: a for a in result.json()["waitlisted"]}
        assert accepted[women["id"]]["decision"]["code"] == "alloc_reserved_share"
        assert "réservée" in accepted[women["id"]]["decision"]["explanation"]
        assert sum(1 for c in souss if c["id"] in accepted) == 2
        [over_quota] = [c for c in souss if c["id"] in waitlisted]
        assert waitlisted[over_quota["id"]]["decision"]["code"] == "alloc_region_quota_full"
        assert "Souss-Massa" in waitlisted[over_quota["id"]]["decision"]["explanation"]
        assert len(accepted) == 4 and len({a["stand_number"] for a in accepted.values()}) == 4
        stands = await svc.client.get(f"/markets/{market['id']}/stands", headers=svc.organizer)
        assert all(s["cooperative_id"] for s in stands.json())
        assert {s["decision"]["code"] for s in stands.json()} <= {"alloc_reserved_share", "alloc_ranked"}


async def _concurrent_accepts(clients: list[httpx.AsyncClient], svc: Marketplace, ids: list[str],
                              **body: int) -> list[httpx.Response]:
    return list(await asyncio.gather(*(
        clients[i % len(clients)].post(f"/applications/{app_id}/accept", json=body or None, headers=svc.organizer)
        for i, app_id in enumerate(ids))))


async def test_concurrent_accepts_in_two_processes_never_give_a_stand_twice(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=3)
        ids = []
        for _ in range(8):
            coop = await svc.cooperative()
            ids += [a["id"] for a in await svc.apply(coop["id"], market["id"])]
        # A second app on the same database stands for a second replica: its locks are
        # its own, so only the database keeps the stands single.
        async with running(create_app(svc.settings)) as other:
            responses = await _concurrent_accepts([svc.client, other], svc, ids)
        accepted = [r.json() for r in responses if r.status_code == 200]
        refused = [r.json() for r in responses if r.status_code != 200]
        assert len(accepted) == 3
        assert sorted(a["stand_number"] for a in accepted) == [1, 2, 3]
        assert {r["code"] for r in refused} == {"stand_rules_refused"}
        held = await svc.store.db.stand_assignments.count_documents({"market_id": market["id"]})
        assert held == 3


async def test_concurrent_manual_overrides_for_one_stand_give_it_once(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=2)
        ids = []
        for _ in range(5):
            coop = await svc.cooperative()
            ids += [a["id"] for a in await svc.apply(coop["id"], market["id"])]
        async with running(create_app(svc.settings)) as other:
            responses = await _concurrent_accepts([svc.client, other], svc, ids, stand_number=2)
        assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
        [winner] = [r.json() for r in responses if r.status_code == 200]
        assert winner["decision"]["code"] == "alloc_manual" and winner["decision"]["manual"] is True
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"stand_taken"}


async def test_manual_override_bypasses_a_full_quota(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=3, rules={"sector_quotas": {"honey": 1}})
        first, second = await svc.cooperative(sector="honey"), await svc.cooperative(sector="honey")
        [a1] = await svc.apply(first["id"], market["id"])
        [a2] = await svc.apply(second["id"], market["id"])
        assert (await svc.accept(a1["id"])).status_code == 200
        refused = await svc.accept(a2["id"])
        assert refused.status_code == 409 and refused.json()["params"]["rule"] == "alloc_sector_quota_full"
        forced = await svc.accept(a2["id"], stand_number=3, note="Invitée d'honneur")
        assert forced.status_code == 200 and forced.json()["stand_number"] == 3
        assert "Invitée d'honneur" in forced.json()["decision"]["explanation"]
        unknown = await svc.accept(a2["id"], stand_number=99)
        assert unknown.status_code == 422 and unknown.json()["code"] == "stand_unknown"


async def test_withdrawal_frees_the_stand_for_the_next_waitlisted_applicant(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=1)
        holder, _ = await svc.exhibitor_at(market["id"])
        later = await svc.cooperative(last_exhibited_on="2026-03-01")
        sooner = await svc.cooperative(last_exhibited_on="2024-03-01")
        [late_app] = await svc.apply(later["id"], market["id"])
        [soon_app] = await svc.apply(sooner["id"], market["id"])
        allocation = await svc.client.post(f"/markets/{market['id']}/allocation", headers=svc.organizer)
        assert [a["decision"]["code"] for a in allocation.json()["waitlisted"]] == ["alloc_no_stand_left"] * 2
        [holder_app] = (await svc.client.get("/applications", headers=svc.exhibitor(holder["id"]))).json()
        withdrawn = await svc.client.post(f"/applications/{holder_app['id']}/withdraw",
                                          headers=svc.exhibitor(holder["id"]))
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["application"]["status"] == "withdrawn"
        [promoted] = withdrawn.json()["promoted"]
        assert promoted["id"] == soon_app["id"] and promoted["stand_number"] == 1
        assert promoted["decision"]["code"] == "alloc_promoted"
        still = await svc.client.get(f"/applications/{late_app['id']}", headers=svc.organizer)
        assert still.json()["status"] == "waitlisted"


async def test_reject_records_the_reason_and_review_steps_are_published(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=2)
        coops = [await svc.cooperative(women_led=True) for _ in range(3)]
        apps = [(await svc.apply(c["id"], market["id"]))[0] for c in coops]
        rejected = await svc.client.post(f"/applications/{apps[0]['id']}/reject", headers=svc.organizer,
                                         json={"reason": {"fr": "Dossier incomplet", "ar": "ملف غير مكتمل"}})
        assert rejected.status_code == 200 and rejected.json()["rejection_reason"]["ar"] == "ملف غير مكتمل"
        waitlisted = await svc.client.post(f"/applications/{apps[1]['id']}/waitlist", headers=svc.organizer)
        assert waitlisted.json()["status"] == "waitlisted"
        accepted = await svc.accept(apps[2]["id"])
        assert accepted.status_code == 200
        prefix = svc.settings.kafka_topic_prefix
        records = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.applications", expect=5)
        types = [envelope_of(r)["type"] for r in records]
        assert types.count("marketplace.application-submitted.v1") == 3
        assert "marketplace.application-rejected.v1" in types and "marketplace.application-accepted.v1" in types
        accepted_message = next(envelope_of(r) for r in records
                                if envelope_of(r)["type"] == "marketplace.application-accepted.v1")
        assert accepted_message["subject"] == apps[2]["id"]
        assert accepted_message["data"]["stand_number"] == accepted.json()["stand_number"]
        assert accepted_message["data"]["women_led"] is True
        [stand] = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.stands", expect=1)
        assert envelope_of(stand)["type"] == "marketplace.stand-assigned.v1"
        assert envelope_of(stand)["subject"] == f"{market['id']}:{accepted.json()['stand_number']}"
        [created] = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.markets", expect=1)
        assert envelope_of(created)["data"]["stand_count"] == 2


async def test_deciding_an_application_twice_is_refused_naming_its_status(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=2)
        _, application = await svc.exhibitor_at(market["id"])
        again = await svc.client.post(f"/applications/{application['id']}/waitlist",
                                      headers=svc.organizer | {"Accept-Language": "en"})
        assert again.status_code == 409 and again.json()["code"] == "application_not_pending"
        assert again.json()["params"] == {"state": "accepted"} and '"accepted"' in again.json()["detail"]


async def test_a_market_whose_days_are_over_takes_no_application_even_inside_its_window(
        infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        now = datetime.now(UTC)
        over = await svc.market(days=[(now - timedelta(days=3)).date().isoformat()],
                                application_opens_at=(now - timedelta(days=10)).isoformat(),
                                application_closes_at=(now + timedelta(days=30)).isoformat())
        coop = await svc.cooperative()
        response = await svc.client.post("/applications", json={"market_ids": [over["id"]]},
                                         headers=svc.exhibitor(coop["id"]) | {"Accept-Language": "ar"})
        assert response.status_code == 409 and response.json()["code"] == "applications_closed"
        assert await svc.store.db.applications.count_documents({"market_id": over["id"]}) == 0


async def _ignore(done: int, total: int) -> None:
    return None


async def test_an_allocation_job_taken_again_after_its_work_committed_gives_the_same_decisions_once(
        infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=2)
        for _ in range(3):
            await svc.apply((await svc.cooperative())["id"], market["id"])
        job = Job(id=uuid.uuid4().hex, kind=background.ALLOCATION, owner="nadia@example.ma",
                  scope=f"organizer:market:{market['id']}", created_at=datetime.now(UTC),
                  params={"market_id": market["id"], "lang": "fr", "act": asdict(Act.system("test"))})
        runs = []
        for _ in range(2):  # the second as a worker runs it when the first process died before finishing it
            progress = Progress(_ignore)
            runs.append(await background.run_allocation(svc.ctx, job, progress))
            await progress.close()
            assert (progress.done, progress.total) == (3, 3)
        first, again = (run.summary for run in runs)
        assert first is not None and first == again
        assert (first["alloc_accepted"], first["alloc_waitlisted"]) == (2, 1)
        assert all(row["alloc_reason"] for row in first["rows"])
        assigned = await svc.ctx.platform.outbox.written(
            {"type": "marketplace.stand-assigned.v1", "envelope.data.market_id": market["id"]})
        assert len(assigned) == 2
