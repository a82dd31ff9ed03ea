"""Input limits shared by every service: bounded fields in every request, the body cap, moments in UTC."""

from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sample_service import SampleSettings, create_app

from agenda.app import create_app as agenda_app
from agenda.settings import Settings as AgendaSettings
from marketplace.app import create_app as marketplace_app
from marketplace.settings import Settings as MarketplaceSettings
from recommendations.app import create_app as recommendations_app
from recommendations.settings import Settings as RecommendationsSettings
from registration.app import create_app as registration_app
from registration.settings import Settings as RegistrationSettings
from shared.i18n import LocalizedName, LocalizedText, LocalizedTitle
from shared.limits import LONG_TEXT_MAX, NAME_MAX, TITLE_MAX
from shared.timezones import Moment
from support import Infra, Keys, running, settings_for

Schema = dict[str, Any]
FORMATS_CHECKED_ELSEWHERE = ("date", "date-time", "binary")


def unbounded(schema: Schema, doc: Schema, path: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """Where ``schema`` lets a caller send something without bound: a string without maxLength, a number
    without maximum, a list without maxItems, a map without maxProperties or a closed set of keys."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else unbounded(doc["components"]["schemas"][name], doc, path, seen | {name})
    found = [hole for key in ("anyOf", "oneOf", "allOf") for sub in schema.get(key, [])
             for hole in unbounded(sub, doc, path, seen)]
    kind = schema.get("type")
    # An uploaded file (OpenAPI 3.1 writes it with contentMediaType) is bounded by the body cap.
    if kind == "string" and not ({"maxLength", "enum", "const"} & schema.keys()) \
            and schema.get("format") not in FORMATS_CHECKED_ELSEWHERE and "contentMediaType" not in schema:
        found.append(f"{path}: text without maxLength")
    if kind in ("integer", "number") and not ({"maximum", "exclusiveMaximum"} & schema.keys()):
        found.append(f"{path}: number without maximum")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{path}: list without maxItems")
        found += unbounded(schema.get("items", {}), doc, f"{path}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        found += unbounded(sub, doc, f"{path}.{name}", seen)
    values = schema.get("additionalProperties")
    if isinstance(values, dict):
        if "maxProperties" not in schema and "enum" not in schema.get("propertyNames", {}):
            found.append(f"{path}: map without maxProperties")
        found += unbounded(values, doc, f"{path}{{}}", seen)
    return found


def request_holes(doc: Schema) -> list[str]:
    holes = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "header"):
                    holes += unbounded(parameter["schema"], doc, f"{where} {parameter['in']} {parameter['name']}")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                holes += unbounded(content["schema"], doc, f"{where} body")
    return holes


@pytest.mark.parametrize("build", [
    lambda: registration_app(RegistrationSettings()), lambda: agenda_app(AgendaSettings()),
    lambda: recommendations_app(RecommendationsSettings()), lambda: marketplace_app(MarketplaceSettings()),
], ids=["registration", "agenda", "recommendations", "marketplace"])
def test_every_text_number_and_list_a_request_carries_has_a_maximum(build: Any) -> None:
    assert request_holes(build().openapi()) == []


class Texts(BaseModel):
    title: LocalizedTitle
    name: LocalizedName
    text: LocalizedText


def refusal(**fields: Any) -> list[tuple[str, str]]:
    body = {"title": {"fr": "Titre"}, "name": {"fr": "Nom"}, "text": {"fr": "Texte"}, **fields}
    with pytest.raises(ValidationError) as refused:
        Texts.model_validate(body)
    return [(".".join(map(str, e["loc"])), str(e.get("ctx", {}).get("error", e["type"])))
            for e in refused.value.errors()]


def test_multilingual_texts_are_bounded_per_language_and_titles_and_names_are_single_line() -> None:
    assert Texts.model_validate({"title": {"ar": "ع" * TITLE_MAX}, "name": {"fr": "n" * NAME_MAX},
                                 "text": {"en": "line one\nline two" + "t" * (LONG_TEXT_MAX - 17)}})
    assert refusal(title={"fr": "t" * (TITLE_MAX + 1)}) == [("title.fr", "string_too_long")]
    assert refusal(name={"en": "n" * (NAME_MAX + 1)}) == [("name.en", "string_too_long")]
    assert refusal(text={"ar": "ن" * (LONG_TEXT_MAX + 1)}) == [("text.ar", "string_too_long")]
    for brk in ("\n", "\r", "\u2028", "\x85", "\t"):
        assert refusal(title={"fr": f"Assises{brk}Bcc: x@example.ma"}) == [("title.fr", "field_not_single_line")]
    assert refusal(name={"fr": "Coopérative\nArgane"}) == [("name.fr", "field_not_single_line")]
    for control in ("\x00", "\x01", "\x0b", "\x1f", "\x7f"):
        assert refusal(text={"fr": f"Conclusions{control}"}) == [("text.fr", "field_control_characters")]


class Scheduled(BaseModel):
    at: Moment


@pytest.mark.parametrize("value", [
    "1970-01-01T00:00:00+01:00", "2200-12-31T23:59:59-12:00", "1969-12-31T23:59:59", "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
])
def test_moment_outside_1970_to_2200_in_utc_is_refused_whatever_its_offset(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Scheduled.model_validate({"at": value})
    assert refused.value.errors()[0]["ctx"]["error"].args[0] == "moment_out_of_range"


@pytest.mark.parametrize("value", ["1970-01-01T01:00:00+01:00", "2200-12-31T11:59:59-12:00", "1970-01-01T00:00:00"])
def test_moment_inside_the_range_in_utc_is_accepted(value: str) -> None:
    assert Scheduled.model_validate({"at": value}).at == datetime.fromisoformat(value)


async def test_request_body_over_the_cap_gets_413_problem_in_the_callers_language_and_stores_nothing(
    infra: Infra, keys: Keys
) -> None:
    settings = settings_for(SampleSettings, infra, keys, max_body_bytes=10_000, with_consumer=False)
    app = create_app(settings)
    assert "413" in app.openapi()["paths"]["/notes"]["post"]["responses"]
    async with running(app) as client:
        organizer = keys.headers("admin")
        big = {"text": {"fr": "x" * 20_000}, "copies": 1}
        refused = await client.post("/notes", json=big, headers=organizer | {"Accept-Language": "ar"})
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["code"] == "request_too_large" and problem["lang"] == "ar" and "10000" in problem["detail"]

        async def chunks() -> Any:
            for _ in range(20):
                yield b" " * 1000
        streamed = await client.post("/notes", content=chunks(), headers=organizer | {
            "Content-Type": "application/json", "Accept-Language": "en"})
        assert streamed.status_code == 413 and streamed.json()["lang"] == "en"
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        assert await platform.db.notes.count_documents({}) == 0
        assert await platform.outbox.written() == []
        accepted = await client.post("/notes", json={"text": {"fr": "court"}, "copies": 1}, headers=organizer)
        assert accepted.status_code == 201
