"""Sales declarations, corrections, and anonymous aggregates."""

from datetime import timedelta

from marketplace_factories import marketplace_service, today

from support import Infra, Keys, envelope_of, read_topic


async def test_correction_replaces_the_days_total_and_republishes_it(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        coop, _ = await svc.exhibitor_at(market["id"], youth_led=True)
        me = svc.exhibitor(coop["id"])
        url = f"/markets/{market['id']}/sales/{today()}"
        first = await svc.client.put(url, headers=me, json={"by_category": {"argan_oils": 1200, "honey": 300.5}})
        assert first.status_code == 200, first.text
        assert first.json()["amount_mad"] == 1500.5
        same = await svc.client.put(url, headers=me, json={"by_category": {"honey": 300.5, "argan_oils": 1200}})
        assert same.json()["corrections"] == 0
        item = {"label": "Huile 250 ml", "quantity": 10, "amount_mad": 900}
        corrected = await svc.client.put(url, headers=me, json={"by_category": {"argan_oils": 900}, "items": [item]})
        assert corrected.json()["amount_mad"] == 900 and corrected.json()["corrections"] == 1
        mine = await svc.client.get(f"/markets/{market['id']}/sales", headers=me)
        assert [d["amount_mad"] for d in mine.json()] == [900]
        prefix = svc.settings.kafka_topic_prefix
        records = await read_topic(infra.kafka_bootstrap, f"{prefix}marketplace.sales", expect=3, timeout=8)
        messages = [envelope_of(r) for r in records]
        assert [m["data"]["amount_mad"] for m in messages] == [1500.5, 900]
        declaration_id = f"{market['id']}:{coop['id']}:{today()}"
        assert {m["subject"] for m in messages} == {declaration_id}
        assert set(messages[1]["data"]) == {"declaration_id", "market_id", "cooperative_id", "day", "amount_mad",
                                            "by_category", "region", "sector", "women_led", "youth_led",
                                            "declared_at", "version"}
        assert [m["data"]["version"] for m in messages] == [1, 2]
        assert messages[1]["data"]["youth_led"] is True and messages[1]["data"]["declaration_id"] == declaration_id


async def test_sales_are_refused_without_a_stand_for_a_future_day_or_for_another_cooperative(
    infra: Infra, keys: Keys
) -> None:
    async with marketplace_service(infra, keys) as svc:
        tomorrow = today() + timedelta(days=1)
        market = await svc.market(days=[today().isoformat(), tomorrow.isoformat()])
        coop, _ = await svc.exhibitor_at(market["id"])
        outsider = await svc.cooperative()
        body = {"by_category": {"honey": 100}}
        no_stand = await svc.client.put(f"/markets/{market['id']}/sales/{today()}", json=body,
                                        headers=svc.exhibitor(outsider["id"]))
        assert no_stand.status_code == 409 and no_stand.json()["code"] == "no_stand_at_market"
        future = await svc.client.put(f"/markets/{market['id']}/sales/{tomorrow}", json=body,
                                      headers=svc.exhibitor(coop["id"]))
        assert future.status_code == 422 and future.json()["code"] == "sales_day_in_future"
        for_other = await svc.client.put(f"/markets/{market['id']}/sales/{today()}", headers=svc.exhibitor(
            outsider["id"]), json=body | {"cooperative_id": coop["id"]})
        assert for_other.status_code == 403
        negative = await svc.client.put(f"/markets/{market['id']}/sales/{today()}", json={"by_category": {"honey": -5}},
                                        headers=svc.exhibitor(coop["id"]))
        assert negative.status_code == 422


async def test_public_aggregates_are_correct_and_never_show_one_cooperative(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=5)
        sellers = [
            await svc.exhibitor_at(market["id"], region="souss-massa", sector="argan_oils", women_led=True),
            await svc.exhibitor_at(market["id"], region="souss-massa", sector="argan_oils", women_led=True),
            await svc.exhibitor_at(market["id"], region="souss-massa", sector="argan_oils", women_led=True),
            await svc.exhibitor_at(market["id"], region="oriental", sector="dates"),
        ]
        amounts = [1000, 2000, 3000, 777]
        for (coop, _), amount in zip(sellers, amounts, strict=True):
            response = await svc.client.put(f"/markets/{market['id']}/sales/{today()}",
                                            json={"by_category": {"argan_oils": amount}},
                                            headers=svc.exhibitor(coop["id"]))
            assert response.status_code == 200
        public = (await svc.client.get(f"/markets/{market['id']}/sales/aggregates")).json()
        assert public["total_mad"] == 6777 and public["cooperatives"] == 4
        regions = {f["key"]: f for f in public["by_region"]}
        assert regions["oriental"]["amount_mad"] is None and regions["oriental"]["suppressed"]
        # Hiding the Oriental alone would leave it as total minus Souss-Massa.
        assert regions["souss-massa"]["amount_mad"] is None
        assert public["women_led_share"]["share"] is None
        flat = str(public)
        assert "777" not in flat.replace("6777", "")
        report = await svc.client.get(f"/markets/{market['id']}/sales/report", headers=svc.organizer)
        exact = {f["key"]: f["amount_mad"] for f in report.json()["aggregates"]["by_region"]}
        assert exact == {"souss-massa": 6000, "oriental": 777}
        assert report.json()["aggregates"]["women_led_share"]["share"] == round(6000 / 6777, 4)
        assert len(report.json()["declarations"]) == 4
        forbidden = await svc.client.get(f"/markets/{market['id']}/sales/report", headers=svc.exhibitor(
            sellers[0][0]["id"]))
        assert forbidden.status_code == 403
        overall = (await svc.client.get("/sales/aggregates")).json()
        assert overall["total_mad"] == 6777 and overall["by_market"][0]["amount_mad"] == 6777


async def test_all_markets_minus_one_market_never_gives_away_a_lone_cooperative(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        big, small = await svc.market(stands=3), await svc.market(stands=1)
        for market, amounts in ((big, [1500, 800, 2500.5]), (small, [200])):
            for amount in amounts:
                coop, _ = await svc.exhibitor_at(market["id"])
                response = await svc.client.put(f"/markets/{market['id']}/sales/{today()}",
                                                json={"by_category": {"honey": amount}},
                                                headers=svc.exhibitor(coop["id"]))
                assert response.status_code == 200, response.text
        overall = (await svc.client.get("/sales/aggregates")).json()
        answers = [overall] + [(await svc.client.get(f"/markets/{m['id']}/sales/aggregates")).json()
                               for m in (big, small)]
    assert overall["total_mad"] == 5000.5
    shown = {a["total_mad"] for a in answers[1:]} | {f["amount_mad"] for f in overall["by_market"]}
    assert shown == {None}
    # No published amount, nor the total minus one, is the small market's lone cooperative's 200.
    published = [f["amount_mad"] for a in answers for name in ("by_day", "by_category", "by_region", "by_sector")
                 for f in a[name]] + [a["total_mad"] for a in answers]
    amounts = [p for p in published if p is not None]
    assert 200 not in amounts and all(round(5000.5 - p, 2) != 200 for p in amounts)
