"""The OpenAPI documents of the four services are fit for client generation."""

import importlib
import re
from typing import Any

import pytest
from fastapi import FastAPI

from shared.pagination import MAX_PAGE, MAX_PAGE_SIZE

SERVICES = ["registration", "agenda", "recommendations", "marketplace"]
# Lists bounded by something physical or by a catalogue the ministry keeps small: the rooms
# of one venue, the stands of one market, the defined indicators.
BOUNDED_LISTS = {
    ("agenda", "list_rooms"), ("marketplace", "stand_map"), ("recommendations", "list_indicators"),
}


def build(service: str) -> FastAPI:
    app_module = importlib.import_module(f"{service}.app")
    settings = importlib.import_module(f"{service}.settings").Settings()
    app: FastAPI = app_module.create_app(settings)
    return app


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def is_list(op: dict[str, Any], spec: dict[str, Any]) -> bool:
    schema = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("type") == "array" or "items" in schema.get("properties", {})


@pytest.mark.parametrize("service", SERVICES)
def test_operation_ids_are_the_route_names_unique_and_the_same_on_every_build(service: str) -> None:
    app = build(service)
    spec = app.openapi()
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    # The function's name alone: FastAPI's default would append the path and the method.
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) and not re.search(r"_(get|post|put|patch|delete)$", i)
               for i in ids), ids
    assert {"healthz", "readyz"} <= set(ids)
    assert [op["operationId"] for _, _, op in operations(build(service).openapi())] == ids


@pytest.mark.parametrize("service", SERVICES)
def test_every_tag_in_use_is_described(service: str) -> None:
    spec = build(service).openapi()
    described = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    used = {tag for _, _, op in operations(spec) for tag in op.get("tags", [])}
    assert used, "no tagged operation"
    assert {tag for tag in used if not described.get(tag)} == set()


@pytest.mark.parametrize("service", SERVICES)
def test_every_list_that_can_grow_is_paginated_with_bounds(service: str) -> None:
    spec = build(service).openapi()
    lists = [(path, op) for method, path, op in operations(spec) if method == "get" and is_list(op, spec)
             and (service, op["operationId"]) not in BOUNDED_LISTS]
    assert lists
    for path, op in lists:
        params = {p["name"]: p["schema"] for p in op.get("parameters", []) if p["in"] == "query"}
        assert {"page", "page_size"} <= set(params), path
        assert params["page"]["minimum"] == 1 and params["page_size"]["minimum"] == 1, path
        assert "maximum" in params["page"] and "maximum" in params["page_size"], path
        assert params["page"]["maximum"] <= MAX_PAGE and params["page_size"]["maximum"] <= MAX_PAGE_SIZE, path


def test_the_registration_examples_are_valid_bodies_and_appear_in_the_document() -> None:
    from registration.domain import ConferenceCreate, RegistrationCreate

    schemas = build("registration").openapi()["components"]["schemas"]
    for model in (ConferenceCreate, RegistrationCreate):
        examples = schemas[model.__name__]["examples"]
        assert examples
        for example in examples:
            model.model_validate(example)
