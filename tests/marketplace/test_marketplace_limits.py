"""Hostile input at the marketplace: windows out of range in UTC, oversized names, unbounded filters."""

from datetime import UTC, datetime

from marketplace_factories import cooperative_body, market_body, marketplace_service

from support import Infra, Keys


async def test_application_window_past_2200_in_utc_is_refused_and_the_market_list_keeps_answering(
    infra: Infra, keys: Keys
) -> None:
    async with marketplace_service(infra, keys) as svc:
        late = market_body(application_opens_at="2200-12-30T00:00:00-12:00",
                           application_closes_at="2200-12-31T23:59:59-12:00")
        refused = await svc.client.post("/markets", json=late, headers=svc.organizer | {"Accept-Language": "fr"})
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["field"] == "application_closes_at" and error["code"] == "moment_out_of_range"
        early = market_body(application_opens_at="1970-01-01T00:30:00+01:00")
        assert (await svc.client.post("/markets", json=early, headers=svc.organizer)).status_code == 422
        assert await svc.store.db.markets.count_documents({}) == 0
        await svc.market(application_closes_at="2200-12-31T11:59:59-12:00")
        listed = await svc.client.get("/markets")
        assert listed.status_code == 200 and len(listed.json()) == 1


async def test_product_name_stored_by_an_exhibitor_is_bounded_and_single_line(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        url = f"/cooperatives/{coop['id']}/products"
        for name, code in (({"fr": "H" * 201}, "field_too_long"), ({"ar": "زيت\nأركان"}, "field_not_single_line")):
            refused = await svc.client.post(url, headers=svc.exhibitor(coop["id"]), json={
                "name": name, "category": "argan_oils", "unit_price_mad": 180.0})
            assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == code
        stored = await svc.store.db.cooperatives.find_one({"_id": coop["id"]})
        assert len(stored["products"]) == 1


async def test_market_and_cooperative_names_longer_than_their_limit_are_refused(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.client.post("/markets", json=market_body(name={"fr": "M" * 301}), headers=svc.organizer)
        assert market.status_code == 422 and market.json()["errors"][0]["field"] == "name.fr"
        coop = await svc.client.post("/cooperatives", json=cooperative_body(name={"en": "C" * 201}),
                                     headers=svc.organizer)
        assert coop.status_code == 422 and coop.json()["errors"][0]["field"] == "name.en"


async def test_list_filters_longer_than_any_code_are_422_problems(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        answer = await svc.client.get("/markets", params={"region": "r" * 101})
        assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
        day = await svc.client.put("/markets/m-1/sales/9999-12-31", json={"by_category": {"honey": 10.0}},
                                   headers=svc.exhibitor("c-1"))
        assert day.status_code == 422 and day.json()["errors"][0]["code"] == "day_out_of_range"


async def test_a_market_stored_before_the_limits_still_lists(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        await svc.store.db.markets.update_one({"_id": market["id"]}, {"$set": {
            "name": {"fr": "Marché\nmobile", "ar": None, "en": None}, "venue": "V" * 300,
            "application_closes_at": datetime(2201, 1, 1, 11, 59, 59, tzinfo=UTC)}})
        listed = await svc.client.get("/markets")
        assert listed.status_code == 200 and [m["name"]["fr"] for m in listed.json()] == ["Marché\nmobile"]
        assert (await svc.client.get(f"/markets/{market['id']}")).status_code == 200
