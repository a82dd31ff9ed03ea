"""Every consumer's reader models against examples built from the producers' own classes.

A producer that drops or retypes a field a consumer reads, or stops sending a type a
consumer waits for, fails here before it reaches a broker.
"""

from typing import Any

import pytest
from pydantic import ValidationError, create_model

from agenda import events as agenda_events
from agenda.consumers import consumer_specs as agenda_consumers
from marketplace import events as marketplace_events
from marketplace.consumers import consumer_specs as marketplace_consumers
from recommendations import events as recommendations_events
from recommendations.consumers import consumer_specs as recommendations_consumers
from registration import events as registration_events
from registration.consumers import consumer_specs as registration_consumers
from shared.consumer import ConsumerSpec, Reader
from shared.contracts import example
from shared.envelope import Message

PRODUCED: dict[str, type[Message]] = {
    cls.message_type: cls
    for module in (registration_events, agenda_events, recommendations_events, marketplace_events)
    for cls in module.MESSAGES
}
SPECS: list[ConsumerSpec[Any]] = [*registration_consumers(), *agenda_consumers(), *recommendations_consumers(),
                                  *marketplace_consumers()]
SUBSCRIPTIONS = [(spec.group, message_type, sub.reader)
                 for spec in SPECS for message_type, sub in spec.subscriptions.items()]


def contract_breaks(reader: type[Reader], producer: type[Message]) -> list[str]:
    """What the reader refuses among the producer's examples (every optional field filled, then null)."""
    broken = []
    for optional_as_none in (False, True):
        try:
            reader.model_validate(example(producer, optional_as_none=optional_as_none))
        except ValidationError as exc:
            broken.append(f"{producer.__name__} (optional fields {'null' if optional_as_none else 'set'}): {exc}")
    return broken


@pytest.mark.parametrize(("group", "message_type", "reader"), SUBSCRIPTIONS,
                         ids=[f"{g}:{t}" for g, t, _ in SUBSCRIPTIONS])
def test_each_reader_accepts_what_the_producer_class_sends(group: str, message_type: str,
                                                           reader: type[Reader]) -> None:
    producer = PRODUCED.get(message_type)
    assert producer is not None, f"{group} reads {message_type}, which no service publishes"
    spec = next(s for s in SPECS if s.group == group)
    assert producer.topic in spec.topics, f"{group} does not subscribe to {producer.topic}"
    assert contract_breaks(reader, producer) == []


def test_a_producer_dropping_a_field_a_reader_needs_breaks_the_contract() -> None:
    reader = next(r for _, t, r in SUBSCRIPTIONS if t == registration_events.ParticipantErased.message_type)
    fields: dict[str, Any] = {name: (f.annotation, ...) for name, f in
                              registration_events.ParticipantErased.model_fields.items() if name != "conference_id"}
    without_conference = create_model("ErasedWithoutConference", __base__=Message, **fields)
    assert contract_breaks(reader, without_conference) != []
    assert contract_breaks(reader, registration_events.ParticipantErased) == []


def test_every_consumed_topic_has_a_reader_for_some_type() -> None:
    for spec in SPECS:
        read_topics = {PRODUCED[t].topic for t in spec.subscriptions if t in PRODUCED}
        assert read_topics == set(spec.topics), spec.group
