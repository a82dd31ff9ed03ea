"""The message catalogue (docs/asyncapi.json) is generated from the code and never drifts from it."""

import importlib
from pathlib import Path

from agenda import events as agenda_events
from registration import events as registration_events
from shared.asyncapi import SERVICES, build_catalogue, render, service_document
from shared.contracts import example

ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "docs" / "asyncapi.json"


def test_the_checked_in_catalogue_is_what_the_code_generates() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == render(build_catalogue()), (
        "docs/asyncapi.json is out of date: run `.venv/bin/python -m shared.asyncapi docs/asyncapi.json`")


def test_the_catalogue_has_a_channel_per_topic_and_a_message_per_payload_class() -> None:
    doc = build_catalogue()
    assert doc["asyncapi"] == "3.0.0"
    for service in SERVICES:
        events = importlib.import_module(f"{service}.events")
        assert set(events.TOPICS) <= set(doc["channels"]), service
        for cls in events.MESSAGES:
            message = doc["components"]["messages"][cls.__name__]
            assert message["name"] == cls.message_type
            assert message["payload"]["properties"]["type"]["const"] == cls.message_type
            assert doc["channels"][cls.topic]["messages"][cls.__name__] == {
                "$ref": f"#/components/messages/{cls.__name__}"}
            assert doc["operations"][f"send{cls.__name__}"]["action"] == "send"


def test_each_example_is_valid_for_the_payload_class_it_shows() -> None:
    doc = service_document("registration", registration_events.MESSAGES)
    erased = doc["components"]["messages"]["ParticipantErased"]["examples"][0]["payload"]
    assert erased["type"] == "registration.participant-erased.v1"
    assert registration_events.ParticipantErased.model_validate(erased["data"]).registration_id
    assert erased["data"] == example(registration_events.ParticipantErased)


def test_a_service_part_holds_only_its_own_messages() -> None:
    doc = service_document("agenda", agenda_events.MESSAGES)
    assert set(doc["channels"]) == set(agenda_events.TOPICS)
    assert all(m["name"].startswith("agenda.") for m in doc["components"]["messages"].values())
