"""Each service's payload classes: one class per fact, each with its own message type and topic."""

from types import ModuleType

import pytest

from agenda import events as agenda_events
from marketplace import events as marketplace_events
from recommendations import events as recommendations_events
from registration import events as registration_events
from shared.envelope import TYPE_PATTERN, Envelope, Message, message_envelope

PRODUCERS: dict[str, ModuleType] = {
    "registration": registration_events, "agenda": agenda_events,
    "recommendations": recommendations_events, "marketplace": marketplace_events,
}


def published_classes(module: ModuleType) -> list[type[Message]]:
    """Every concrete payload class the module defines, listed in its MESSAGES or not."""
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Message) and "message_type" in vars(value)]


@pytest.mark.parametrize("service", PRODUCERS)
def test_every_payload_class_is_listed_once_with_its_own_message_type(service: str) -> None:
    module = PRODUCERS[service]
    classes = published_classes(module)
    assert sorted(c.__name__ for c in classes) == sorted(c.__name__ for c in module.MESSAGES)
    types = [c.message_type for c in module.MESSAGES]
    assert len(set(types)) == len(types), types
    for cls in module.MESSAGES:
        assert TYPE_PATTERN.match(cls.message_type), cls.message_type
        assert cls.message_type.startswith(f"{service}."), cls.message_type
        assert cls.topic in module.TOPICS, (cls.__name__, cls.topic)
        assert cls.message_version() >= 1
        assert cls.__doc__ and cls.message_type in cls.__doc__, f"{cls.__name__} names its message type"


def test_no_two_services_publish_the_same_message_type() -> None:
    types = [c.message_type for module in PRODUCERS.values() for c in module.MESSAGES]
    assert len(set(types)) == len(types)


def test_an_envelope_takes_its_type_from_the_payload_class() -> None:
    fact = agenda_events.SignupPromoted(session_id="s-1", conference_id="c-1", registration_id="r-1",
                                        status=agenda_events.SignupPromoted.status_after, at="2026-06-18T09:00:00Z")
    envelope = Envelope.from_bytes(message_envelope(fact, source="agenda", subject="s-1:r-1").to_bytes())
    assert envelope.type == "agenda.session-signup-promoted.v1"
    assert agenda_events.SignupPromoted.model_validate(envelope.data) == fact
