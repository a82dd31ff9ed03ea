"""Scoped rights on every route of registration (derived from OpenAPI), and the audit log of organizer acts."""

from typing import Any

from registration_factories import registration_service
from scopes_support import check_every_route

from support import Infra, Keys

PUBLIC = {
    "GET /asyncapi.json",
    "GET /healthz", "GET /readyz", "GET /.well-known/jwks.json", "GET /conferences", "GET /conferences/{conference_id}",
    "POST /conferences/{conference_id}/registrations", "GET /registrations/{registration_id}",
    "PATCH /registrations/{registration_id}", "POST /registrations/{registration_id}/cancel",
    "GET /registrations/{registration_id}/badge.{fmt}",
}


async def test_every_registration_route_checks_its_scope(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        registered = await svc.register(conference["id"])
        world = {"conference_id": conference["id"], "registration_id": registered["registration"]["id"],
                 "fmt": "png"}
        other = {"conference_id": (await svc.conference())["id"]}
        app = svc.client._transport.app  # type: ignore[attr-defined]
        checked = await check_every_route(svc.client, app, keys, public=PUBLIC, world=world, other=other)
        assert "POST /admin/registrations/{registration_id}/approve" in checked
        assert "POST /checkin/conferences/{conference_id}/scans" in checked and "GET /admin/audit" in checked


async def test_an_organizer_of_one_conference_cannot_act_on_another(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        mine, theirs = await svc.conference(requires_approval=True), await svc.conference(requires_approval=True)
        pending = await svc.register(theirs["id"])
        organizer = keys.headers(f"organizer:conference:{mine['id']}")
        approve = await svc.client.post(f"/admin/registrations/{pending['registration']['id']}/approve",
                                        headers=organizer | {"Accept-Language": "ar"})
        assert approve.status_code == 403 and approve.json()["lang"] == "ar"
        edit = await svc.client.patch(f"/admin/conferences/{theirs['id']}", json={"capacity": 5}, headers=organizer)
        assert edit.status_code == 403
        stored = await svc.client.get(f"/admin/registrations/{pending['registration']['id']}", headers=svc.organizer)
        assert stored.json()["status"] == "pending"
        assert (await svc.client.get(f"/conferences/{theirs['id']}")).json()["capacity"] == 100


async def _audit(svc: Any, **params: str) -> list[dict[str, Any]]:
    response = await svc.client.get("/admin/audit", params=params, headers=svc.organizer)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_organizer_acts_are_audited_with_the_actor_and_without_personal_data(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=2, requires_approval=True)
        cid = conference["id"]
        amina = keys.headers(f"organizer:conference:{cid}", sub="acc_amina", name="Amina") | {
            "User-Agent": "gate-tablet/1.0"}
        first, second = await svc.register(cid), await svc.register(cid, full_name="Youssef Alami")
        waiting = await svc.register(cid)
        assert waiting["registration"]["status"] == "waitlisted"
        assert (await svc.client.patch(f"/admin/conferences/{cid}", json={"capacity": 3}, headers=amina)).is_success
        for verb, created in (("approve", first), ("promote", waiting), ("reject", second), ("erase", second)):
            url = f"/admin/registrations/{created['registration']['id']}/{verb}"
            acted = await svc.client.post(url, headers=amina)
            assert acted.is_success, (verb, acted.text)
        entries = await _audit(svc, actor="acc_amina")
        assert sorted(e["action"] for e in entries) == [
            "conference.update", "registration.approve", "registration.erase", "registration.promote",
            "registration.reject"]
        assert all(e["actor_name"] == "Amina" and e["user_agent"] == "gate-tablet/1.0" and e["client_address"]
                   for e in entries)
        erased = await _audit(svc, object_type="registration", object_id=second["registration"]["id"])
        assert [e["action"] for e in erased] == ["registration.erase", "registration.reject"]
        assert "Youssef" not in str(erased) and "@" not in str(erased)
        created = await _audit(svc, object_type="conference", object_id=cid)
        assert [e["action"] for e in created] == ["conference.update", "conference.create"]
        assert created[1]["actor_sub"] == "tester@example.ma"
        assert (await svc.client.get("/admin/audit", headers=amina)).status_code == 403
        newest, oldest = entries[0]["at"], entries[-1]["at"]
        assert len(await _audit(svc, actor="acc_amina", since=newest)) == 1
        assert await _audit(svc, actor="acc_amina", until=oldest) == []
        page = (await svc.client.get("/admin/audit", params={"actor": "acc_amina", "page_size": 2, "page": 3},
                                     headers=svc.organizer)).json()
        assert page["total"] == 5 and len(page["items"]) == 1 and page["items"][0] == entries[-1]
