"""Hostile input at the register: oversized texts, snapshot dates and editions out of range, endless figures."""

from collections.abc import AsyncIterator

import pytest
from recommendations_factories import Service, service

from support import Infra, Keys

# Paths that rebuild a past state from ?date=, as the public and the pages reach them.
DATED = ["/recommendations", "/recommendations/lim-r01", "/indicators", "/indicators/ind-lim", "/dashboard",
         "/open-data/recommendations.csv", "/open-data/recommendations.json"]
PAGES = ["/progress", "/progress/lim-r01"]


@pytest.fixture
async def register(infra: Infra, keys: Keys) -> AsyncIterator[Service]:
    async with service(infra, keys) as svc:
        created = await svc.client.post("/recommendations", headers=svc.organizer(), json={
            "id": "lim-r01", "edition": 5, "number": 1, "text": {"fr": "Un registre national"}})
        assert created.status_code == 201, created.text
        indicator = await svc.client.post("/indicators", headers=svc.organizer(), json={
            "id": "ind-lim", "name": {"fr": "Emplois"}, "unit": "jobs", "baseline": 0, "target": 100})
        assert indicator.status_code == 201, indicator.text
        yield svc


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00",
                                  "1970-01-01T00:00:00+01:00", "2201-01-01"])
async def test_snapshot_dates_outside_1970_to_2200_in_utc_are_422_problems_without_a_token(
        register: Service, date: str) -> None:
    for path in DATED:
        answer = await register.client.get(path, params={"date": date}, headers={"Accept-Language": "en"})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] in ("day_out_of_range", "moment_out_of_range")
    for path in PAGES:
        page = await register.client.get(path, params={"date": date})
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")


async def test_snapshot_dates_inside_the_range_still_answer(register: Service) -> None:
    for date in ("2200-12-31", "2030-06-01T12:00:00Z"):
        for path in [*DATED, *PAGES]:
            assert (await register.client.get(path, params={"date": date})).status_code == 200, (path, date)
    # The first instant accepted: nothing was registered yet, so lists are empty and one item is unknown.
    for path in [*DATED, *PAGES]:
        expected = 404 if path in ("/recommendations/lim-r01", "/indicators/ind-lim", "/progress/lim-r01") else 200
        answer = await register.client.get(path, params={"date": "1970-01-01T01:00:00+01:00"})
        assert answer.status_code == expected, (path, answer.text)


async def test_edition_filter_beyond_any_edition_is_a_422_problem(register: Service) -> None:
    for path in ("/recommendations", "/dashboard", "/open-data/recommendations.csv", "/open-data/recommendations.json"):
        for edition in ("99999999999999999999", "101", "0"):
            answer = await register.client.get(path, params={"edition": edition})
            assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "edition", (path, edition)


async def test_recommendation_text_milestone_title_and_indicator_figures_are_bounded(register: Service) -> None:
    org = register.organizer()
    text = await register.client.post("/recommendations", headers=org, json={
        "id": "lim-r02", "text": {"ar": "ت" * 5001}})
    assert text.status_code == 422 and text.json()["errors"][0]["code"] == "field_too_long"
    milestone = await register.client.post("/recommendations/lim-r01/milestones", headers=org, json={
        "title": {"fr": "Atelier\nrégional"}, "owner": "regions", "due_date": "2029-01-31", "reason": "Planifié"})
    assert milestone.status_code == 422 and milestone.json()["errors"][0]["code"] == "field_not_single_line"
    for value in (1e16, -1e16):
        figure = await register.client.post("/indicators/ind-lim/values", headers=org, json={
            "value": value, "as_of": "2027-01-01", "source": "Rapport annuel", "reason": "Mise à jour"})
        assert figure.status_code == 422 and figure.json()["errors"][0]["code"] == "field_out_of_range"
    endless = await register.client.post(
        "/indicators/ind-lim/values", headers=org | {"Content-Type": "application/json"},
        content=b'{"value": Infinity, "as_of": "2027-01-01", "source": "Rapport annuel", "reason": "Mise a jour"}')
    assert endless.status_code == 422
    assert await register.platform.db.recommendations.count_documents({}) == 1
    assert (await register.client.get("/indicators/ind-lim")).status_code == 200


async def test_an_indicator_answers_its_latest_values_in_order_however_long_its_history(register: Service) -> None:
    org = register.organizer()
    for n in range(1, 9):
        answer = await register.client.post("/indicators/ind-lim/values", headers=org, json={
            "value": n * 10, "as_of": f"2026-01-0{n}", "source": "Rapport annuel", "reason": "Mise à jour"})
        assert answer.status_code == 201
    latest = (await register.client.get("/indicators/ind-lim", params={"limit": 3})).json()
    assert [v["value"] for v in latest["values"]] == [60, 70, 80]
    assert latest["current"]["value"] == 80
    dated = (await register.client.get("/indicators/ind-lim", params={"limit": 5, "date": "2200-01-01"})).json()
    assert [v["value"] for v in dated["values"]] == [40, 50, 60, 70, 80]
    everything = (await register.client.get("/indicators/ind-lim")).json()
    assert [v["value"] for v in everything["values"]] == [10, 20, 30, 40, 50, 60, 70, 80]
    before = (await register.client.get("/indicators/ind-lim", params={"date": "1971-01-01"}))
    assert before.status_code == 404
