"""Auth, errors as problem JSON, health and metrics, through a real app on real MongoDB and Kafka."""

import inspect
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Request
from sample_service import SampleSettings, create_app

from shared.observability import JsonFormatter
from shared.platform import Platform, context_dependency, request_context
from support import Infra, Keys, eventually, running, settings_for


@pytest.fixture
async def client(infra: Infra, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False)
    async with running(create_app(settings)) as client:
        yield client


async def test_admin_endpoint_without_token_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/notes", json={"text": {"fr": "x"}, "copies": 1})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"


async def test_admin_endpoint_with_forged_token_is_401(client: httpx.AsyncClient, keys: Keys) -> None:
    token = keys.token("admin")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = await client.post("/notes", json={"text": {"fr": "x"}, "copies": 1},
                                 headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_admin_endpoint_with_a_narrower_scope_is_403(client: httpx.AsyncClient, keys: Keys) -> None:
    response = await client.post("/notes", json={"text": {"fr": "x"}, "copies": 1},
                                 headers=keys.headers("staff:conference:c1") | {"Accept-Language": "ar"})
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden" and body["lang"] == "ar"
    assert body["title"] == "ليست لديك الصلاحية للقيام بهذه العملية."


async def test_admin_endpoint_with_admin_scope_succeeds_and_public_read_needs_none(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    created = await client.post("/notes", json={"text": {"ar": "ملاحظة"}, "copies": 2},
                                headers=keys.headers("admin"))
    assert created.status_code == 201
    read = await client.get(f"/notes/{created.json()['id']}")
    assert read.status_code == 200 and read.json()["text"]["ar"] == "ملاحظة"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "Le corps de la requête n'est pas un JSON valide."),
     ("ar", "نص الطلب ليس JSON صالحا."),
     ("en", "The request body is not valid JSON.")],
)
async def test_malformed_json_is_422_problem_in_callers_language(
    client: httpx.AsyncClient, keys: Keys, lang: str, expected: str
) -> None:
    response = await client.post(
        "/notes", content=b'{"text": {"fr": "x"', headers=keys.headers("admin") | {
            "Accept-Language": lang, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and body["code"] == "malformed_json" and body["detail"] == expected
    assert body["type"].endswith("/malformed_json")


async def test_invalid_fields_are_listed_with_localized_messages(client: httpx.AsyncClient, keys: Keys) -> None:
    response = await client.post("/notes", json={"text": {"ar": "  "}, "copies": 0},
                                 headers=keys.headers("admin") | {"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["text"]["code"] == "at_least_one_language"
    assert by_field["copies"]["code"] == "field_out_of_range"
    assert by_field["copies"]["message"] == "The value is out of the allowed range."


async def test_unknown_resource_is_404_problem_not_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/notes/not-an-object-id", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert response.json()["detail"] == "La ressource demandée est introuvable."
    assert (await client.get("/nowhere")).status_code == 404


async def test_health_readiness_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text

    async def kafka_seen() -> bool:
        return bool((await client.get("/readyz")).json()["checks"] == {"mongodb": True, "kafka": True})

    # Kafka's state comes from the producer's background check, reported once it has run.
    await eventually(kafka_seen)
    metrics = await client.get("/metrics")
    assert "http_requests_total" in metrics.text
    assert "tadamon_kafka_up 1.0" in metrics.text
    assert "tadamon_outbox_pending 0.0" in metrics.text


async def test_correlation_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Correlation-ID": "abc-123"})
    assert response.headers["x-correlation-id"] == "abc-123"


async def test_each_request_writes_one_access_line_with_its_correlation_id_and_no_query(
        client: httpx.AsyncClient) -> None:
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Collect()
    access = logging.getLogger("tadamon.access")
    access.addHandler(handler)
    previous = access.level
    access.setLevel(logging.INFO)
    try:
        await client.get("/notes/nowhere", params={"token": "secret-token"}, headers={"X-Correlation-ID": "corr-7"})
    finally:
        access.removeHandler(handler)
        access.setLevel(previous)
    assert len(lines) == 1
    line = lines[0]
    assert line["correlation_id"] == "corr-7"
    assert (line["method"], line["path"], line["route"], line["status"]) == ("GET", "/notes/nowhere",
                                                                             "/notes/{note_id}", 404)
    assert line["duration_ms"] >= 0 and "secret-token" not in json.dumps(line)


async def test_the_context_dependency_is_async_and_refuses_a_context_of_another_kind(
        client: httpx.AsyncClient) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    request = Request({"type": "http", "app": app})
    dependency = context_dependency(Platform)  # the sample service has no context of its own: its platform
    # Declared async, FastAPI calls it on the event loop rather than in a thread.
    assert inspect.iscoroutinefunction(dependency)
    assert await dependency(request) is app.state.platform
    with pytest.raises(TypeError):
        request_context(request, SampleSettings)
