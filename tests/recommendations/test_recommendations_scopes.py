"""Scoped rights on every route of the register (derived from OpenAPI), and the audit log of its changes."""

from recommendations_factories import evidence, new_recommendation, service
from scopes_support import check_every_route

from support import Infra, Keys

PUBLIC = {
    "GET /asyncapi.json",
    "GET /healthz", "GET /readyz", "GET /recommendations", "GET /recommendations/{recommendation_id}",
    "GET /recommendations/{recommendation_id}/evidence/{file_id}",
    "GET /indicators", "GET /indicators/{indicator_id}", "GET /dashboard", "GET /open-data/recommendations.csv",
    "GET /open-data/recommendations.json", "GET /open-data/dictionary",
}


async def test_every_recommendations_route_checks_its_scope(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        world = {"recommendation_id": rec["id"], "milestone_id": "m-unknown", "indicator_id": "unknown-indicator",
                 "file_id": "ef-unknown"}
        checked = await check_every_route(svc.client, svc.client._transport.app,  # type: ignore[attr-defined]
                                          keys, public=PUBLIC, world=world, other={})
        assert "POST /recommendations/{recommendation_id}/completion/approve" in checked


async def test_a_reviewer_approves_completions_but_changes_nothing_else(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        url = f"/recommendations/{rec['id']}"
        officer = keys.headers("organizer:recommendations", sub="acc_officer", name="Officer")
        reviewer = keys.headers("reviewer:recommendations", sub="acc_reviewer", name="Reviewer")
        change = {"status": "limited", "reason": "Premiers textes"}
        assert (await svc.client.post(f"{url}/status", json=change, headers=reviewer)).status_code == 403
        assert (await svc.client.post("/recommendations", json=new_recommendation(),
                                      headers=reviewer)).status_code == 403
        proposed = await svc.client.post(f"{url}/status", headers=officer, json={
            "status": "complete", "reason": "Plateforme en ligne", "evidence": [evidence()]})
        assert proposed.status_code == 200, proposed.text
        approved = await svc.client.post(f"{url}/completion/approve", json={"reason": "Preuve vérifiée"},
                                         headers=reviewer)
        assert approved.status_code == 200 and approved.json()["status"] == "complete"
        log = await svc.client.get("/admin/audit", params={"object_id": rec["id"]}, headers=svc.organizer())
        entries = log.json()["items"]
        assert [(e["action"], e["actor_sub"], e["actor_name"]) for e in entries[:2]] == [
            ("recommendation.completion_approved", "acc_reviewer", "Reviewer"),
            ("recommendation.completion_proposed", "acc_officer", "Officer")]
        assert entries[2]["action"] == "recommendation.created"
        assert (await svc.client.get("/admin/audit", headers=officer)).status_code == 403
