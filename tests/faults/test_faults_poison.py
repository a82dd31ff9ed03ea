"""Poison and malformed records on every topic a service consumes, followed by a valid message.

The topics and groups come from the services' own consumer registrations:
registration, agenda and recommendations consume; marketplace consumes nothing
(its ``consumer_specs()`` is empty, checked here so a new consumer is not missed).
On each consumed topic, in one partition, the test sends five records that can never
be handled (bytes that are not JSON, a record without a value, JSON that is not an
object, an object without the envelope's fields, and an envelope of a type the
consumers handle whose data fails validation), one envelope of a type nobody
handles, then a valid message. The runner dead-letters each of the five at once
(one attempt) to ``<topic>.dlq`` with error headers and the original key and value,
skips the unknown type (counted ``ignored``, not dead-lettered: the runner handles
only the types it registered, so other producers may add types), applies the valid
message, and commits the group's offset past all of them.
"""

import asyncio
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
from faults_support import (
    FaultStack,
    Mongo,
    Services,
    committed_total,
    end_offsets,
    envelope_record,
    produce,
    read_all,
)

from agenda.consumers import consumer_specs as agenda_consumers
from agenda.events import OutcomeItem, SessionOutcomesRecorded
from marketplace.consumers import consumer_specs as marketplace_consumers
from marketplace.events import ExhibitorCheckedIn, SalesDeclared
from recommendations.consumers import consumer_specs as recommendations_consumers
from registration.consumers import consumer_specs as registration_consumers
from registration.events import ConferenceCreated, ParticipantConfirmed
from shared.consumer import ConsumerSpec
from shared.envelope import Envelope
from shared.i18n import LocalizedText
from support import eventually, unique

KEY = b"poison"
UNKNOWN_TYPE = "tests.nothing-happened.v1"
INVALID = ("not JSON", "no value", "a JSON list", "an object that is no envelope", "a known type with invalid data")


def consumers() -> dict[str, list[ConsumerSpec[Any]]]:
    return {"registration": registration_consumers(), "agenda": agenda_consumers(),
            "recommendations": recommendations_consumers(), "marketplace": marketplace_consumers()}


def valid_message(topic: str) -> Envelope:
    """A message the producing service could have sent on ``topic``."""
    now = datetime.now(UTC)
    text = LocalizedText(fr="Texte", ar="نص")
    payloads: dict[str, tuple[str, Any]] = {
        "registration.conferences": ("registration.conference-created.v1", ConferenceCreated(
            conference_id=unique("conf"), kind="regional_consultation", edition=None, title=text, slogan=None,
            city="Agadir", region="souss-massa", venue="Chambre", starts_on=date(2029, 5, 1),
            ends_on=date(2029, 5, 1), timezone="Africa/Casablanca", capacity=50, registration_opens_at=None,
            registration_closes_at=None, requires_approval=False)),
        "registration.participants": (ParticipantConfirmed.message_type, ParticipantConfirmed(
            registration_id=unique("r"), conference_id="conf-poison", status="confirmed", category="participant",
            region="l-oriental", gender=None, age_band=None, language="fr", at=now, version=1)),
        "agenda.sessions": ("agenda.session-outcomes-recorded.v1", SessionOutcomesRecorded(
            session_id=unique("s"), conference_id="conf-poison", session_title=text, conclusions=text,
            recommendations=[OutcomeItem(key="1", text=text)], recorded_at=now)),
        "marketplace.checkins": ("marketplace.exhibitor-checked-in.v1", ExhibitorCheckedIn(
            market_id="m-poison", cooperative_id=unique("coop"), stand=1, day=now.date(), region="souss-massa",
            sector="argan", women_led=True, youth_led=False, checked_in_at=now)),
        "marketplace.sales": ("marketplace.sales-declared.v1", SalesDeclared(
            declaration_id=unique("d"), market_id="m-poison", cooperative_id="coop-poison", day=now.date(),
            amount_mad=1250.5, by_category={"argan": 1250.5}, region="souss-massa", sector="argan", women_led=True,
            youth_led=False, declared_at=now, version=1)),
    }
    kind, data = payloads[topic]
    subject = next(iter(data.model_dump().values()))
    return Envelope(type=kind, source=topic.split(".")[0], subject=subject, data=data.model_dump(mode="json"))


def bad_records(valid: Envelope) -> list[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]]:
    first_field = next(iter(valid.data))  # each payload starts with its required id
    broken = valid.model_copy(update={"id": unique("broken"), "data": valid.data | {first_field: None}})
    unknown = Envelope(type=UNKNOWN_TYPE, source="tests", subject="poison", data={"anything": 1})
    return [(KEY, b"\x00\x9f not json {", []), (KEY, None, []), (KEY, b'["a", "list"]', []),
            (KEY, b'{"hello": "world"}', []), (KEY, broken.to_bytes(), broken.headers()),
            (KEY, unknown.to_bytes(), unknown.headers())]


@pytest.mark.faults
async def test_poison_messages_on_every_consumed_topic_go_to_the_dlq_and_consumers_keep_going(
    fault_stack: FaultStack, services: Services
) -> None:
    specs = consumers()
    assert specs.pop("marketplace") == [], "marketplace consumes now: give it its place here"
    # (service, group, topic) for every subscription; a valid message's type must be handled by every group.
    subscriptions = [(name, spec.group, topic) for name, found in specs.items() for spec in found
                     for topic in spec.topics]
    topics = sorted({topic for _, _, topic in subscriptions})
    valid = {topic: valid_message(topic) for topic in topics}
    for _, spec_group, topic in subscriptions:
        spec = next(s for found in specs.values() for s in found if s.group == spec_group)
        assert valid[topic].type in spec.subscriptions and UNKNOWN_TYPE not in spec.subscriptions

    processes = {name: services.add(name) for name in specs}
    await services.start(*processes.values())
    prefix = services.prefix
    sent: dict[str, list[tuple[int, bytes | None]]] = {}  # (offset, value) of each invalid record
    for topic in topics:
        records = bad_records(valid[topic]) + [envelope_record(valid[topic])]
        offsets = await produce(fault_stack.bootstrap, prefix + topic, records, partition=0)
        sent[topic] = [(offsets[i], records[i][1]) for i in range(len(INVALID))]
    print(f"\ntried: on each of {len(topics)} topics ({', '.join(topics)}), consumed by {len(subscriptions)} "
          f"group subscriptions ({dict(Counter(name for name, _, _ in subscriptions))}; marketplace consumes none): "
          f"{len(INVALID)} invalid records ({'; '.join(INVALID)}), 1 of unknown type, then 1 valid message")

    mongo = Mongo(fault_stack.mongo_url)
    try:
        for name, group, topic in subscriptions:
            db = mongo[services.db_name(processes[name])]
            marker = f"{prefix}{group}:{valid[topic].id}"
            await eventually(lambda db=db, marker=marker: db.processed_messages.find_one({"_id": marker}),
                             timeout=60, interval=0.2)
    finally:
        await mongo.close()
    dead = dict(zip(topics, await asyncio.gather(*(read_all(fault_stack.bootstrap, f"{prefix}{t}.dlq")
                                                   for t in topics)), strict=True))
    for name, group, topic in subscriptions:
        _check_dead_letters(dead[topic], sent[topic], group=prefix + group, topic=prefix + topic)
        await eventually(lambda g=prefix + group, t=prefix + topic: _committed_to_end(fault_stack, g, t),
                         timeout=30, interval=0.3)
        outcomes = {outcome: processes[name].metric("messages_consumed_total", topic=prefix + topic,
                                                    outcome=outcome)
                    for outcome in ("dead_lettered", "ignored", "handled", "duplicate")}
        assert outcomes == {"dead_lettered": len(INVALID), "ignored": 1, "handled": 1, "duplicate": 0}, \
            (name, topic, outcomes)
    assert all(len(records) == len(INVALID) * sum(1 for _, _, t in subscriptions if t == topic)
               for topic, records in dead.items())
    print(f"verified: {sum(len(r) for r in dead.values())} records in the DLQs, {len(INVALID)} per group and "
          f"topic, each after 1 attempt with its original key, value and offset and the error headers; the "
          f"unknown type skipped (not dead-lettered); every valid message applied once by every group; every "
          f"group's committed offset at the end of every topic; 0 valid messages lost")
    assert all(p.stop() < 20 for p in processes.values())


def _check_dead_letters(records: list[Any], sent: list[tuple[int, bytes | None]], *, group: str,
                        topic: str) -> None:
    """The group's records in ``<topic>.dlq``: the invalid ones, in order, each whole and explained."""
    mine = [r for r in records if dict(r.headers).get("dlq_group") == group.encode()]
    assert [int(dict(r.headers)["dlq_original_offset"]) for r in mine] == [o for o, _ in sent], (group, topic)
    for record, (_, value) in zip(mine, sent, strict=True):
        headers = dict(record.headers)
        assert record.key == KEY and record.value == value
        assert headers["dlq_original_topic"] == topic.encode()
        assert headers["dlq_original_partition"] == b"0"
        assert headers["dlq_error_type"] == b"ValidationError" and headers["dlq_error"]
        assert headers["dlq_attempts"] == b"1" and headers["dlq_failed_at"]


async def _committed_to_end(fault_stack: FaultStack, group: str, topic: str) -> bool:
    return await committed_total(fault_stack.bootstrap, group, topic) == await end_offsets(fault_stack.bootstrap,
                                                                                           topic)
