"""Messages from agenda, registration and marketplace feed the register and the automatic indicators."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from recommendations_factories import checkin, conference, new_recommendation, outcomes, participant, sales, service

from recommendations.intake import outcome_recommendation_id
from shared.envelope import make_envelope
from support import Infra, Keys, eventually, read_topic, unique


async def _json(svc: Any, url: str, **params: Any) -> Any:
    response = await svc.client.get(url, params=params)
    return response.json() if response.status_code == 200 else None


async def test_a_recommendation_adopted_in_a_session_appears_linked_to_it_and_updates_on_rerecording(
    infra: Infra, keys: Keys
) -> None:
    session_id, conference_id = unique("session"), unique("conf")
    async with service(infra, keys) as svc:
        first = outcomes(session_id, conference_id, [("k1", "إحداث منصة رقمية لتسويق المنتجات التعاونية"),
                                                     ("k2", "تكوين المسيرين")])
        await svc.publish("agenda.sessions", first)
        await svc.publish("agenda.sessions", first)  # redelivery
        rid = outcome_recommendation_id(session_id, "k1")
        created = await eventually(lambda: _json(svc, f"/recommendations/{rid}"))
        await svc.publish("agenda.sessions", outcomes(session_id, conference_id, [
            ("k1", "إحداث منصة رقمية وطنية لتسويق المنتجات التعاونية"), ("k2", "تكوين المسيرين")]))
        updated = await eventually(lambda: _updated(svc, rid))
        await svc.publish("registration.conferences", conference(conference_id, 6))
        with_edition = await eventually(lambda: _edition(svc, rid))
        listed = (await svc.client.get("/recommendations", params={"edition": 6})).json()
        messages = await read_topic(infra.kafka_bootstrap, svc.settings.topic("recommendations.recommendations"),
                                    expect=2)
    assert created["session"]["id"] == session_id
    assert created["session"]["title"]["fr"] == "Atelier commercialisation"
    assert created["conference_id"] == conference_id and created["edition"] is None
    assert created["number"] is None and created["needs_review"] is True and created["source"] == "agenda"
    assert created["timeline"][0]["actor"] == {"role": "system", "label": "agenda"}
    assert updated["text"]["ar"] == "إحداث منصة رقمية وطنية لتسويق المنتجات التعاونية"
    assert [e["kind"] for e in updated["timeline"]] == ["created", "outcome_updated"]
    assert with_edition["edition"] == 6 and with_edition["timeline"][-1]["kind"] == "edition_set"
    assert {r["id"] for r in listed} == {rid, outcome_recommendation_id(session_id, "k2")}
    created_messages = [json.loads(m.value) for m in messages]
    assert sorted(m["data"]["session_id"] for m in created_messages) == [session_id, session_id]


async def _updated(svc: Any, rid: str) -> Any:
    body = await _json(svc, f"/recommendations/{rid}")
    return body if body and body["version"] == 2 else None


async def _edition(svc: Any, rid: str) -> Any:
    body = await _json(svc, f"/recommendations/{rid}")
    return body if body and body["edition"] is not None else None


async def test_an_outcome_for_a_known_conference_takes_its_edition(infra: Infra, keys: Keys) -> None:
    session_id, conference_id = unique("session"), unique("conf")
    async with service(infra, keys) as svc:
        await svc.publish("registration.conferences", conference(conference_id, 5))
        await svc.publish("agenda.sessions", outcomes(session_id, conference_id, [("a", "توصية")]))
        rid = outcome_recommendation_id(session_id, "a")
        created = await eventually(lambda: _edition(svc, rid))
    assert created["edition"] == 5 and created["number"] is None and created["needs_review"] is True


async def _indicator(svc: Any, indicator_id: str, version: int) -> Any:
    body = await _json(svc, f"/indicators/{indicator_id}")
    return body if body and len(body["values"]) >= version else None


async def _indicator_at(svc: Any, indicator_id: str, breakdown: dict[str, float]) -> Any:
    body = await _json(svc, f"/indicators/{indicator_id}")
    current = body["current"] if body else None
    return body if current and current["breakdown"] == breakdown else None


async def test_participants_per_region_follow_confirmations_check_ins_and_cancellations(
    infra: Infra, keys: Keys
) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    async with service(infra, keys) as svc:
        steps = [
            participant("registered", "reg-1", "confirmed", "souss-massa", start),
            participant("registered", "reg-2", "waitlisted", "oriental", start),
            participant("registered", "reg-3", "confirmed", "oriental", start),
            participant("promoted", "reg-2", "confirmed", "oriental", start + timedelta(seconds=1), version=2),
            participant("checked-in", "reg-1", "confirmed", "souss-massa", start + timedelta(seconds=2), version=2),
            participant("cancelled", "reg-3", "cancelled", "oriental", start + timedelta(seconds=3), version=2),
            participant("registered", "reg-4", "pending", "fes-meknes", start),
        ]
        for envelope in steps:
            await svc.publish("registration.participants", envelope)
        late = participant("registered", "reg-3", "confirmed", "oriental", start)  # older fact, arrives late
        await svc.publish("registration.participants", late)
        await svc.publish("registration.participants", steps[0])  # redelivery
        marker = participant("registered", "reg-5", "confirmed", "dakhla-oued-ed-dahab", start)
        await svc.publish("registration.participants", marker)
        end = {"dakhla-oued-ed-dahab": 1, "oriental": 1, "souss-massa": 1}
        detail = await eventually(lambda: _indicator_at(svc, "ind-r21-participants-by-region", end))
        regions = (await svc.client.get("/indicators/ind-r21-regions-represented")).json()
        expected = len(detail["values"]) + len(regions["values"])
        published = await read_topic(infra.kafka_bootstrap, svc.settings.topic("recommendations.indicators"),
                                     expect=expected + 1, timeout=3)
    assert detail["current"]["breakdown"] == {"dakhla-oued-ed-dahab": 1, "oriental": 1, "souss-massa": 1}
    assert detail["current"]["value"] == 3 and detail["mode"] == "automatic"
    # registrations sit on different partitions and the messages a consumer transaction applies together
    # move the indicator once, so only the end is fixed: at most one value per change
    assert 1 <= len(detail["values"]) <= 5 and detail["values"][-1]["value"] == 3
    assert len(published) == expected
    assert detail["recommendation_id"] == "ess5-r21"
    assert regions["current"]["value"] == 3 and regions["target"] == 12
    assert regions["progress_to_target"] == 25.0
    updates = [json.loads(r.value) for r in published]
    assert {u["type"] for u in updates} == {"recommendations.indicator-updated.v1"}
    assert updates[-1]["subject"] in {"ind-r21-participants-by-region", "ind-r21-regions-represented"}


async def test_a_check_in_is_not_read_and_the_next_fact_is_followed(infra: Infra, keys: Keys) -> None:
    """Only a confirmed registration checks in, and it stays confirmed (counted already): the
    message is skipped, and the registration's next fact (a higher version) is followed."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    registration_id = unique("reg")
    async with service(infra, keys) as svc:
        await svc.publish("registration.participants", participant("registered", registration_id, "confirmed",
                                                                   "souss-massa", start))
        counted = await eventually(lambda: _indicator_at(svc, "ind-r21-participants-by-region", {"souss-massa": 1}))
        check_in = participant("checked-in", registration_id, "confirmed", "souss-massa",
                               start + timedelta(seconds=1), version=2)
        await svc.publish("registration.participants", check_in)
        # The same registration's next fact is on the same partition, after the check-in.
        await svc.publish("registration.participants", participant("cancelled", registration_id, "cancelled",
                                                                   "souss-massa", start + timedelta(seconds=2),
                                                                   version=3))
        ended = await eventually(lambda: _indicator_at(svc, "ind-r21-participants-by-region", {}))
        metrics = (await svc.client.get("/metrics")).text
        db = AsyncMongoClient[dict[str, object]](infra.mongo_url)[svc.settings.database_name]
        group = svc.settings.group("recommendations")
        marked = await db.processed_messages.count_documents({"_id": f"{group}:{check_in.id}"})
        markers = await db.processed_messages.count_documents({"_id": {"$regex": f"^{group}:"}})
        fact = await db.feed_registrations.find_one({"_id": registration_id})
    ignored = [line for line in metrics.splitlines() if line.startswith("messages_consumed_total{")
               and 'outcome="ignored"' in line and "registration.participants" in line]
    assert ignored and float(ignored[0].split()[-1]) == 1.0, ignored
    assert marked == 0 and markers == 2  # the two facts it read are marked
    assert fact is not None and (fact["status"], fact["version"], fact["counted"]) == ("cancelled", 3, False)
    assert counted["current"]["value"] == 1 and ended["current"]["value"] == 0
    assert len(ended["values"]) == 2  # counted once, then taken out: the check-in moved nothing


async def test_exhibiting_cooperatives_are_counted_once_whatever_the_market_or_day(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        for envelope in [checkin("mkt-1", "coop-a"), checkin("mkt-1", "coop-b"),
                         checkin("mkt-1", "coop-a", day="2026-11-21"), checkin("mkt-2", "coop-a")]:
            await svc.publish("marketplace.checkins", envelope)
        cooperatives = await eventually(lambda: _indicator(svc, "ind-r17-exhibiting-cooperatives", 2))
    assert cooperatives["current"]["value"] == 2 and len(cooperatives["values"]) == 2


async def test_sales_keep_the_highest_version_of_each_declaration_whatever_its_time(infra: Infra, keys: Keys) -> None:
    t0 = datetime.now(UTC) - timedelta(hours=1)
    async with service(infra, keys) as svc:
        for envelope in [sales("mkt-1", "coop-a", "2026-11-20", "1200.50", t0),
                         sales("mkt-1", "coop-b", "2026-11-20", "300", t0),
                         sales("mkt-1", "coop-a", "2026-11-20", "1500.25", t0 + timedelta(minutes=1), version=3),
                         # committed before version 3, though its clock read later: it must not win
                         sales("mkt-1", "coop-a", "2026-11-20", "999", t0 + timedelta(minutes=5), version=2),
                         sales("mkt-1", "coop-a", "2026-11-20", "1500.25", t0, version=3),  # repeated
                         sales("mkt-1", "coop-c", "2026-11-21", "100", t0)]:
            await svc.publish("marketplace.sales", envelope)
        amount = await eventually(lambda: _indicator(svc, "ind-r17-market-sales-mad", 1))
    assert amount["current"]["value"] == 1900.25
    assert [v["value"] for v in amount["values"]] == [1900.25]
    assert amount["unit"] == "MAD" and amount["recommendation_id"] == "ess5-r17"


async def test_public_sales_history_moves_only_in_steps_of_three_cooperatives(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        totals = svc.platform.db["feed_totals"]

        async def pending(expected: list[str]) -> bool:
            doc = await totals.find_one({"_id": "ind-r17-market-sales-mad"})
            return doc is not None and doc["pending"] == expected

        for coop, amount in (("coop-a", "1500"), ("coop-b", "800"), ("coop-c", "2500.5")):
            await svc.publish("marketplace.sales", sales("mkt-1", coop, "2026-11-20", amount))
        first = await eventually(lambda: _indicator(svc, "ind-r17-market-sales-mad", 1))
        # One cooperative's correction alone is held back: publishing it would show its new figure.
        await svc.publish("marketplace.sales", sales("mkt-1", "coop-c", "2026-11-20", "2300.5", version=2))
        await eventually(lambda: pending(["coop-c"]))
        held = (await svc.client.get("/indicators/ind-r17-market-sales-mad")).json()
        await svc.publish("marketplace.sales", sales("mkt-1", "coop-d", "2026-11-20", "400"))
        await svc.publish("marketplace.sales", sales("mkt-2", "coop-e", "2026-11-21", "600"))
        second = await eventually(lambda: _indicator(svc, "ind-r17-market-sales-mad", 2))
    assert [v["value"] for v in first["values"]] == [4800.5]
    assert [v["value"] for v in held["values"]] == [4800.5] and held["current"]["value"] == 4800.5
    assert [v["value"] for v in second["values"]] == [4800.5, 5600.5]


async def test_an_invalid_sales_message_goes_to_the_dlq_and_the_next_one_is_counted(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys, consumer_retry_seconds=[0.05]) as svc:
        bad = make_envelope(type="marketplace.sales-declared.v1", source="marketplace", subject="x",
                            data={"declaration_id": "x", "amount_mad": "beaucoup"})
        await svc.publish("marketplace.sales", bad)
        for coop in ("coop-x", "coop-y", "coop-z"):
            await svc.publish("marketplace.sales", sales("mkt-9", coop, "2026-11-20", "14"))
        amount = await eventually(lambda: _indicator(svc, "ind-r17-market-sales-mad", 1))
        dead = await read_topic(infra.kafka_bootstrap, svc.settings.topic("marketplace.sales") + ".dlq", expect=1)
    assert amount["current"]["value"] == 42
    assert len(dead) == 1 and json.loads(dead[0].value)["id"] == bad.id


async def test_manual_indicators_keep_a_history_of_dated_sourced_values(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        defined = await svc.client.post("/indicators", headers=svc.organizer(), json={
            "id": "ind-test-jobs", "recommendation_id": rec["id"], "name": {"fr": "Emplois"}, "unit": "jobs",
            "baseline": 0, "target": 50000})
        first = await svc.client.post("/indicators/ind-test-jobs/values", headers=svc.organizer(), json={
            "value": 5000, "as_of": "2026-06-30", "source": "HCP, enquête emploi 2026", "reason": "Publication HCP"})
        await asyncio.sleep(0.01)
        between = datetime.now(UTC).isoformat()
        await asyncio.sleep(0.01)
        second = await svc.client.post("/indicators/ind-test-jobs/values", headers=svc.organizer(), json={
            "value": 12500, "as_of": "2026-09-30", "source": "HCP, T3 2026", "reason": "Mise à jour trimestrielle"})
        automatic = await svc.client.post("/indicators/ind-r17-market-sales-mad/values", headers=svc.organizer(),
                                          json={"value": 1, "as_of": "2026-09-30", "source": "saisie",
                                                "reason": "essai"})
        orphan = await svc.client.post("/indicators", headers=svc.organizer(), json={
            "id": "ind-test-orphan", "recommendation_id": "nope", "name": {"fr": "x"}, "unit": "jobs"})
        duplicate = await svc.client.post("/indicators", headers=svc.organizer(), json={
            "id": "ind-test-jobs", "name": {"fr": "x"}, "unit": "jobs"})
        detail = (await svc.client.get("/indicators/ind-test-jobs")).json()
        past = (await svc.client.get("/indicators/ind-test-jobs", params={"date": between})).json()
        last_only = (await svc.client.get("/indicators/ind-test-jobs", params={"limit": 1})).json()
        published = await read_topic(infra.kafka_bootstrap, svc.settings.topic("recommendations.indicators"),
                                     expect=2)
    assert defined.status_code == 201 and first.status_code == 201
    assert second.json()["current"]["value"] == 12500 and second.json()["progress_to_target"] == 25.0
    assert [(v["value"], v["source"]) for v in detail["values"]] == [
        (5000, "HCP, enquête emploi 2026"), (12500, "HCP, T3 2026")]
    assert detail["values"][1]["as_of"].startswith("2026-09-30")
    assert past["current"]["value"] == 5000 and len(past["values"]) == 1
    assert [v["value"] for v in last_only["values"]] == [12500]
    assert automatic.status_code == 409 and automatic.json()["code"] == "indicator_automatic"
    assert orphan.status_code == 404 and duplicate.status_code == 409
    assert [json.loads(r.value)["data"]["value"] for r in published] == [5000, 12500]


async def test_a_manual_indicator_value_dated_after_today_is_refused_and_changes_nothing(
        infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        defined = await svc.client.post("/indicators", headers=svc.organizer(), json={
            "id": "ind-test-future", "name": {"fr": "Emplois"}, "unit": "jobs", "baseline": 0, "target": 100})
        assert defined.status_code == 201
        tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
        refused = await svc.client.post("/indicators/ind-test-future/values", headers={
            **svc.organizer(), "Accept-Language": "ar"}, json={
            "value": 90, "as_of": tomorrow, "source": "HCP, prévision", "reason": "Publication HCP"})
        assert refused.status_code == 422
        assert refused.json()["code"] == "indicator_value_in_future"
        assert refused.json()["detail"] == "لا يمكن تسجيل قيمة بتاريخ لاحق لليوم."
        today = datetime.now(UTC).date().isoformat()
        accepted = await svc.client.post("/indicators/ind-test-future/values", headers=svc.organizer(), json={
            "value": 10, "as_of": today, "source": "HCP, enquête", "reason": "Publication HCP"})
        assert accepted.status_code == 201
        detail = (await svc.client.get("/indicators/ind-test-future")).json()
        assert [v["value"] for v in detail["values"]] == [10]
