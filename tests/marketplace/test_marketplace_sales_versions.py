"""Concurrent corrections of one declaration: marketplace and recommendations keep the same figure."""

import asyncio
from typing import Any

from marketplace_factories import Marketplace, marketplace_service, today

from recommendations.app import create_app as create_recommendations
from recommendations.settings import Settings as RecommendationsSettings
from support import Infra, Keys, envelope_of, eventually, read_topic, running, settings_for, unique

BURSTS = 3
PUTS_PER_BURST = 12


async def _declare(svc: Marketplace, market_id: str, cooperative_id: str, amount: float) -> dict[str, Any]:
    response = await svc.client.put(f"/markets/{market_id}/sales/{today()}", headers=svc.exhibitor(cooperative_id),
                                     json={"by_category": {"argan_oils": amount}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_concurrent_corrections_end_with_the_same_figure_in_marketplace_and_the_indicator(
    infra: Infra, keys: Keys
) -> None:
    prefix = unique("t") + "."
    recs_settings = settings_for(RecommendationsSettings, infra, keys, prefix=prefix)
    recs_app = create_recommendations(recs_settings)
    async with marketplace_service(infra, keys, prefix=prefix) as svc, running(recs_app) as recs:
        recs_db = recs_app.state.platform.db
        market = await svc.market(stands=BURSTS + 3)
        exhibitors = [(await svc.exhibitor_at(market["id"]))[0]["id"] for _ in range(BURSTS + 3)]
        bursting, closing = exhibitors[:BURSTS], exhibitors[BURSTS:]
        # Each cooperative corrects its day's total many times at once, every figure different.
        await asyncio.gather(*(_declare(svc, market["id"], coop, 100 + burst * 1000 + n * 7.25)
                               for burst, coop in enumerate(bursting) for n in range(PUTS_PER_BURST)))
        sent = BURSTS * PUTS_PER_BURST
        records = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.sales", expect=sent)
        versions = sorted((envelope_of(r)["subject"], envelope_of(r)["data"]["version"]) for r in records)

        report = (await svc.client.get(f"/markets/{market['id']}/sales/report", headers=svc.organizer)).json()
        stored = {d["cooperative_id"]: d["amount_mad"] for d in report["declarations"]}

        async def applied() -> bool:
            done = await recs_db.processed_messages.count_documents({"type": "marketplace.sales-declared.v1"})
            return bool(done == sent)

        await eventually(applied, timeout=60)
        kept = {doc["cooperative_id"]: doc["cents"] / 100 for doc in await recs_db.feed_sales.find().to_list()}
        assert kept == stored  # the newest of each declaration, as marketplace stored it
        # The indicator publishes once changes from three cooperatives wait: as many more cooperatives
        # declare as that takes, and the value published must be marketplace's exact total.
        totals = await recs_db.feed_totals.find_one({"_id": "ind-r17-market-sales-mad"})
        waiting = len(totals["pending"]) if totals else 0
        for n, coop in enumerate(closing[:3 - waiting]):
            await _declare(svc, market["id"], coop, 10.5 + n)
        final = (await svc.client.get(f"/markets/{market['id']}/sales/report", headers=svc.organizer)).json()
        expected = final["aggregates"]["total_mad"]

        async def published() -> Any:
            body = (await recs.get("/indicators/ind-r17-market-sales-mad")).json()
            return body if body["current"] and body["current"]["value"] == expected else None

        indicator = await eventually(published, timeout=60)
    assert versions == sorted((f"{market['id']}:{coop}:{today()}", v) for coop in bursting
                              for v in range(1, PUTS_PER_BURST + 1))
    assert indicator["current"]["value"] == expected == round(sum(d["amount_mad"] for d in final["declarations"]), 2)
