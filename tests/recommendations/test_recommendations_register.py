"""The register against real MongoDB and Kafka: demo data, status workflow, two-person rule, history."""

import json
import re
from pathlib import Path

from recommendations_factories import AMINA, YOUSSEF, evidence, new_recommendation, service

from recommendations.demo import load_demo
from recommendations.documents import rebuild
from recommendations.store import RecommendationsStore
from support import Infra, Keys, read_topic

SEED = next(Path("/work/shared/seeds").glob("003_*")) if Path("/work/shared/seeds").is_dir() else None
DATA = Path(__file__).resolve().parents[2] / "services/recommendations/recommendations/data/ess5_recommendations.json"


def published_arabic() -> dict[int, str]:
    """The numbered lines of the published list (the seed, or the data file's own copy)."""
    if SEED is not None:
        text = SEED.read_text(encoding="utf-8")
        return {int(n): line for n, line in re.findall(r"^\s+(\d+)\. (.*)$", text, flags=re.M)}
    items = json.loads(DATA.read_text(encoding="utf-8"))["recommendations"]
    return {item["number"]: item["text"]["ar"] for item in items}


async def test_demo_loads_the_28_recommendations_with_the_published_arabic_text_once(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        first = await load_demo(svc.platform)
        second = await load_demo(svc.platform)
        listed = (await svc.client.get("/recommendations", params={"edition": 5})).json()
    assert first["recommendations"] == 28 and first["indicators"] == 4
    assert second == {"recommendations": 0, "milestones": 0, "indicators": 0}
    assert [r["id"] for r in listed] == [f"ess5-r{n:02d}" for n in range(1, 29)]
    assert [r["number"] for r in listed] == list(range(1, 29))
    published = published_arabic()
    for item in listed:
        assert item["text"]["ar"] == published[item["number"]]
        assert item["text"]["fr"] and item["text"]["en"]
        assert item["themes"] and item["lead_body"] and item["target_date"]
        assert item["status"] == "not_started" and item["version"] >= 1
    assert "50.000" in listed[7]["text"]["ar"] and "50,000" in listed[7]["text"]["en"]


async def test_completion_without_evidence_is_refused_with_a_localized_problem(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        refused = await svc.client.post(f"/recommendations/{rec['id']}/status",
                                        json={"status": "complete", "reason": "Le décret est publié"},
                                        headers=svc.organizer() | {"Accept-Language": "ar"})
        after = (await svc.client.get(f"/recommendations/{rec['id']}")).json()
    assert refused.status_code == 422
    assert refused.json()["code"] == "evidence_required"
    assert "دليل" in refused.json()["detail"]
    assert after["status"] == "not_started" and after["pending_completion"] is None
    assert [e["kind"] for e in after["timeline"]] == ["created"]


async def test_every_change_needs_a_reason(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        missing = await svc.client.post(f"/recommendations/{rec['id']}/status", json={"status": "limited"},
                                        headers=svc.organizer())
        blank = await svc.client.post(f"/recommendations/{rec['id']}/status",
                                      json={"status": "limited", "reason": "  "}, headers=svc.organizer())
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    assert blank.status_code == 422 and blank.json()["errors"][0]["code"] == "reason_required"


async def test_completion_needs_the_approval_of_a_different_organizer(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        url = f"/recommendations/{rec['id']}"
        proposed = await svc.client.post(f"{url}/status", headers=svc.organizer(AMINA), json={
            "status": "complete", "reason": "Plateforme en ligne", "evidence": [evidence()]})
        blocked = await svc.client.post(f"{url}/status", headers=svc.organizer(YOUSSEF),
                                        json={"status": "limited", "reason": "Autre changement"})
        self_approval = await svc.client.post(f"{url}/completion/approve", headers=svc.organizer(AMINA),
                                              json={"reason": "Je valide moi-même"})
        approved = await svc.client.post(f"{url}/completion/approve", headers=svc.organizer(YOUSSEF),
                                         json={"reason": "Preuve vérifiée au BO"})
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("recommendations.recommendations"),
                                   expect=2)
    assert proposed.status_code == 200
    assert proposed.json()["status"] == "not_started"
    assert proposed.json()["pending_completion"]["proposed_by"] == {"role": "organizer", "label": "organizer-A"}
    assert blocked.status_code == 409 and blocked.json()["code"] == "completion_pending"
    assert self_approval.status_code == 403 and self_approval.json()["code"] == "second_organizer_required"
    body = approved.json()
    assert (body["status"], body["progress"], body["pending_completion"]) == ("complete", 100, None)
    assert body["evidence"][0]["url"] == evidence()["url"]
    assert [e["kind"] for e in body["timeline"]] == ["created", "completion_proposed", "completion_approved"]
    assert body["timeline"][2]["actor"]["label"] != body["timeline"][1]["actor"]["label"]
    messages = [json.loads(r.value) for r in records]
    assert [m["type"] for m in messages] == ["recommendations.recommendation-created.v1",
                                             "recommendations.recommendation-status-changed.v1"]
    changed = messages[1]["data"]
    assert (changed["from_status"], changed["to_status"], changed["approved"]) == ("not_started", "complete", True)
    assert AMINA not in records[1].value.decode() and YOUSSEF not in records[1].value.decode()


async def test_a_sent_back_completion_leaves_the_status_and_can_be_proposed_again(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        url = f"/recommendations/{rec['id']}"
        await svc.client.post(f"{url}/status", headers=svc.organizer(),
                              json={"status": "substantial", "progress": 80, "reason": "Pilote lancé"})
        await svc.client.post(f"{url}/status", headers=svc.organizer(AMINA), json={
            "status": "complete", "reason": "Terminé", "evidence": [evidence(url=None, reference="BO 7300")]})
        sent_back = await svc.client.post(f"{url}/completion/send-back", headers=svc.organizer(YOUSSEF),
                                          json={"reason": "La référence ne couvre que deux régions"})
        again = await svc.client.post(f"{url}/status", headers=svc.organizer(YOUSSEF), json={
            "status": "complete", "reason": "Couverture nationale", "evidence": [evidence()]})
    assert sent_back.status_code == 200
    assert (sent_back.json()["status"], sent_back.json()["progress"]) == ("substantial", 80)
    assert sent_back.json()["pending_completion"] is None and sent_back.json()["evidence"] == []
    assert again.json()["pending_completion"]["proposed_by"]["label"] == "organizer-B"


async def test_history_is_ordered_complete_and_replays_to_the_current_state(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        url = f"/recommendations/{rec['id']}"
        steps = [("limited", 10), ("limited", 30), ("substantial", 55), ("withdrawn", None), ("limited", 40)]
        for status, progress in steps:
            response = await svc.client.post(f"{url}/status", headers=svc.organizer(), json={
                "status": status, "progress": progress, "reason": f"vers {status}"})
            assert response.status_code == 200, response.text
        await svc.client.post(f"{url}/milestones", headers=svc.organizer(), json={
            "title": {"fr": "Atelier régional"}, "owner": "regions", "due_date": "2027-01-31", "reason": "Planifié"})
        detail = (await svc.client.get(url)).json()
        private = await svc.client.get(f"{url}/history", headers=svc.organizer())
        store = RecommendationsStore(svc.platform.db)
        records = await store.timeline(rec["id"])
        current = await store.recommendation(rec["id"])
    timeline = detail["timeline"]
    assert [e["seq"] for e in timeline] == list(range(1, 8))
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)
    assert [(e["from_status"], e["to_status"]) for e in timeline[1:6]] == [
        ("not_started", "limited"), ("limited", "limited"), ("limited", "substantial"),
        ("substantial", "withdrawn"), ("withdrawn", "limited")]
    assert [e["to_progress"] for e in timeline[1:6]] == [10, 30, 55, 55, 40]
    assert all(e["reason"] for e in timeline)
    assert timeline[6]["kind"] == "milestone_added"
    assert rebuild(records)[rec["id"]] == current
    assert private.status_code == 200 and {r["actor"]["sub"] for r in private.json()} == {AMINA}
    assert AMINA not in json.dumps(detail)


async def test_same_status_and_progress_is_not_a_change(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        same = await svc.client.post(f"/recommendations/{rec['id']}/status", headers=svc.organizer(),
                                     json={"status": "not_started", "reason": "rien"})
        out_of_band = await svc.client.post(f"/recommendations/{rec['id']}/status", headers=svc.organizer(),
                                            json={"status": "limited", "progress": 90, "reason": "trop"})
        anonymous = await svc.client.post(f"/recommendations/{rec['id']}/status",
                                          json={"status": "limited", "reason": "sans jeton"})
        unknown = await svc.client.get("/recommendations/nope", headers={"Accept-Language": "fr"})
    assert same.status_code == 409 and same.json()["code"] == "no_change"
    assert out_of_band.status_code == 422 and out_of_band.json()["code"] == "progress_out_of_range"
    assert anonymous.status_code == 401
    assert unknown.status_code == 404 and "introuvable" in unknown.json()["detail"]


async def test_bad_input_gets_a_localized_client_error(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        unknown_body = await svc.client.post("/recommendations", headers=svc.organizer() | {"Accept-Language": "ar"},
                                             json=new_recommendation(lead_body="ministry_of_magic"))
        bad_theme = await svc.client.post("/recommendations", headers=svc.organizer(),
                                          json=new_recommendation(themes=["tourism"]))
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        duplicate = await svc.client.post("/recommendations", headers=svc.organizer(),
                                          json=new_recommendation(id=rec["id"]))
        bad_evidence = await svc.client.post(f"/recommendations/{rec['id']}/status", headers=svc.organizer(), json={
            "status": "complete", "reason": "fini", "evidence": [evidence(url="javascript:alert(1)")]})
        no_source = await svc.client.post(f"/recommendations/{rec['id']}/status", headers=svc.organizer(), json={
            "status": "complete", "reason": "fini", "evidence": [evidence(url=None)]})
        openapi = await svc.client.get("/openapi.json")
    assert unknown_body.status_code == 422
    assert unknown_body.json()["errors"][0]["code"] == "unknown_body"
    assert unknown_body.json()["errors"][0]["message"] == "جهة مسؤولة غير معروفة."
    assert bad_theme.status_code == 422 and bad_theme.json()["errors"][0]["code"] == "field_not_allowed"
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "recommendation_exists"
    assert bad_evidence.status_code == 422 and bad_evidence.json()["errors"][0]["code"] == "evidence_url_invalid"
    assert no_source.status_code == 422 and no_source.json()["errors"][0]["code"] == "evidence_source_required"
    assert openapi.status_code == 200
