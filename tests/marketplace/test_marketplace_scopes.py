"""Scoped rights on every route of the marketplace (derived from OpenAPI), and the audit log of organizer acts."""

from factories import marketplace_service, today
from scopes_support import check_every_route

from support import Infra, Keys

PUBLIC = {
    "GET /asyncapi.json",
    "GET /healthz", "GET /readyz", "GET /.well-known/jwks.json", "POST /invitations/{token}/accept", "GET /markets",
    "GET /markets/{market_id}", "GET /markets/{market_id}/sales/aggregates", "GET /sales/aggregates",
}


async def test_every_marketplace_route_checks_its_scope(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market()
        coop, application = await svc.exhibitor_at(market["id"])
        world = {"market_id": market["id"], "cooperative_id": coop["id"], "application_id": application["id"],
                 "product_id": "prd-unknown", "day": today().isoformat(), "token": "unused"}
        other = {"market_id": (await svc.market())["id"], "cooperative_id": (await svc.cooperative())["id"]}
        checked = await check_every_route(svc.client, svc.app, keys, public=PUBLIC, world=world, other=other)
        assert "POST /markets/{market_id}/checkins" in checked
        assert "POST /applications/{application_id}/accept" in checked


async def test_organizers_and_staff_of_one_market_cannot_act_at_another(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        mine, theirs = await svc.market(), await svc.market()
        _, accepted = await svc.exhibitor_at(theirs["id"])
        [pending] = await svc.apply((await svc.cooperative())["id"], theirs["id"])
        organizer = keys.headers(f"organizer:market:{mine['id']}")
        accept = await svc.client.post(f"/applications/{pending['id']}/accept", headers=organizer)
        assert accept.status_code == 403
        still = await svc.client.get(f"/applications/{pending['id']}", headers=svc.organizer)
        assert still.json()["status"] == "submitted"
        token = await svc.pass_token(accepted)
        scan = await svc.client.post(f"/markets/{theirs['id']}/checkins", json={"token": token},
                                     headers=svc.staff(mine["id"]) | {"Accept-Language": "en"})
        assert scan.status_code == 403 and scan.json()["lang"] == "en"
        attendance = await svc.client.get(f"/markets/{theirs['id']}/attendance", headers=svc.organizer)
        assert attendance.json()["days"][0]["checked_in"] == 0
        assert (await svc.client.post("/markets", json={}, headers=organizer)).status_code == 403


async def test_market_organizer_acts_are_audited_with_the_actor(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        market = await svc.market(stands=2)
        mid = market["id"]
        hind = keys.headers(f"organizer:market:{mid}", sub="acc_hind", name="Hind")
        coops = [await svc.cooperative() for _ in range(4)]
        apps = [(await svc.apply(c["id"], mid))[0] for c in coops]
        assert (await svc.client.post(f"/applications/{apps[0]['id']}/accept", headers=hind)).status_code == 200
        rejected = await svc.client.post(f"/applications/{apps[1]['id']}/reject", headers=hind,
                                         json={"reason": {"fr": "Dossier incomplet"}})
        assert rejected.status_code == 200, rejected.text
        assert (await svc.client.post(f"/applications/{apps[2]['id']}/waitlist", headers=hind)).status_code == 200
        assert (await svc.client.post(f"/markets/{mid}/allocation", headers=hind)).status_code == 200
        log = await svc.client.get("/admin/audit", params={"actor": "acc_hind"}, headers=svc.organizer)
        entries = log.json()["items"]
        assert [(e["action"], e["object_id"]) for e in reversed(entries)] == [
            ("application.accept", apps[0]["id"]), ("application.reject", apps[1]["id"]),
            ("application.waitlist", apps[2]["id"]), ("market.allocate", mid)]
        assert {e["actor_name"] for e in entries} == {"Hind"}
        created = await svc.client.get("/admin/audit", params={"object_type": "market", "object_id": mid},
                                       headers=svc.organizer)
        assert [e["action"] for e in created.json()["items"]] == ["market.allocate", "market.create"]
        assert (await svc.client.get("/admin/audit", headers=hind)).status_code == 403
