"""Public reads: pages with their total and links, Vary on the language, cache headers by who asks."""

from registration_factories import registration_service

from support import Infra, Keys


async def test_conferences_come_in_pages_with_the_total_and_next_and_previous_links(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        ids = [(await svc.conference(edition=n))["id"] for n in (1, 2, 3)]
        first = await svc.client.get("/conferences", params={"page_size": 2})
        assert first.status_code == 200
        assert first.headers["x-total-count"] == "3" and len(first.json()) == 2
        assert 'page=2>; rel="next"' in first.headers["link"] and "prev" not in first.headers["link"]
        second = await svc.client.get("/conferences", params={"page_size": 2, "page": 2})
        assert len(second.json()) == 1 and 'page=1>; rel="prev"' in second.headers["link"]
        assert sorted(c["id"] for c in first.json() + second.json()) == sorted(ids)
        too_big = await svc.client.get("/conferences", params={"page_size": 100_000}, headers={"Accept-Language": "en"})
        assert too_big.status_code == 422 and too_big.headers["content-type"].startswith("application/problem+json")


async def test_public_reads_vary_on_language_and_are_cacheable_unless_asked_with_credentials(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        public = await svc.client.get(f"/conferences/{conference['id']}")
        assert "Accept-Language" in public.headers["vary"]
        assert public.headers["cache-control"] == "public, max-age=60"
        signed_in = await svc.client.get(f"/conferences/{conference['id']}", headers=svc.organizer)
        assert signed_in.headers["cache-control"] == "private, no-store"
        created = await svc.register(conference["id"])
        own = await svc.client.get(f"/registrations/{created['registration']['id']}",
                                   params={"token": created["manage_token"]})
        assert own.status_code == 200 and own.headers["cache-control"] == "private, no-store"
        assert "Accept-Language" in own.headers["vary"]
        problem = await svc.client.get("/conferences/nowhere")
        assert problem.status_code == 404 and "Accept-Language" in problem.headers["vary"]
        assert "cache-control" not in problem.headers
