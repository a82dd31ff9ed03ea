"""Cooperatives and applications are read from the database one page at a time."""

from marketplace_factories import marketplace_service

from support import Infra, Keys


async def test_cooperatives_and_applications_come_in_pages_with_the_total(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coops = [await svc.cooperative() for _ in range(3)]
        market = await svc.market()
        for coop in coops:
            await svc.apply(coop["id"], market["id"])

        first = await svc.client.get("/cooperatives", params={"page_size": 2}, headers=svc.organizer)
        second = await svc.client.get("/cooperatives", params={"page_size": 2, "page": 2}, headers=svc.organizer)
        assert first.headers["x-total-count"] == second.headers["x-total-count"] == "3"
        assert len(first.json()) == 2 and len(second.json()) == 1
        assert 'rel="next"' in first.headers["link"] and 'rel="prev"' in second.headers["link"]
        assert sorted(c["id"] for c in first.json() + second.json()) == sorted(c["id"] for c in coops)

        pages = [await svc.client.get("/applications", params={"market_id": market["id"], "page_size": 1, "page": n},
                                      headers=svc.organizer) for n in (1, 2, 3, 4)]
        assert [len(p.json()) for p in pages] == [1, 1, 1, 0]
        assert {p.headers["x-total-count"] for p in pages} == {"3"}
        assert sorted(p.json()[0]["cooperative_id"] for p in pages[:3]) == sorted(c["id"] for c in coops)
        mine = await svc.client.get("/applications", headers=svc.exhibitor(coops[0]["id"]))
        assert mine.headers["x-total-count"] == "1" and "link" not in mine.headers
