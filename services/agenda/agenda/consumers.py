"""Kafka handlers of the agenda service: registration's conferences and participants."""

from datetime import UTC, date, datetime

from pydantic import field_validator

from agenda import personal, service
from agenda.context import Agenda
from agenda.domain import DEFAULT_TIMEZONE, Conference
from shared.consumer import Batch, ConsumerSpec, Delivery, Reader
from shared.i18n import StoredText

CONSUMED_TOPICS: list[str] = ["registration.conferences", "registration.participants"]

# Registration's participant facts by what they mean here: the agenda acts on the message type.
# A new registration comes as ``registered`` with its status; ``confirmed`` and ``waitlisted``
# on arrival come only from earlier versions of registration (still in the topic).
# ``checked-in`` is not read: only a confirmed registration checks in and its status stays as
# it was, so the message would change nothing here but the version, and following it cost a
# read and a write of the participant per scan at the gate's busiest hour. Every later change
# has a higher version still, so skipping one version orders the facts as before.
STATUS_FACTS = tuple(f"registration.participant-{verb}.v1" for verb in (
    "registered", "confirmed", "waitlisted", "promoted", "approved"))
LEAVING_FACTS = ("registration.participant-cancelled.v1", "registration.participant-rejected.v1")
ERASED_FACTS = ("registration.participant-erased.v1",)


class ConferenceSeen(Reader):
    """The fields of registration's conference messages the agenda reads."""

    reads = ("registration.conference-created.v1", "registration.conference-updated.v1")

    conference_id: str
    title: StoredText | None = None
    starts_on: date
    ends_on: date
    timezone: str | None = None
    city: str | None = None
    venue: str | None = None


class ParticipantSeen(Reader):
    """The fields of registration's participant messages the agenda reads."""

    registration_id: str
    conference_id: str
    status: str
    at: datetime
    # Absent from messages sent before registration numbered its states.
    version: int | None = None

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # Stored instants are aware; a naive one would not compare with them.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class ParticipantStatusSeen(ParticipantSeen):
    """A status fact: the agenda follows the registration's status."""

    reads = STATUS_FACTS


class ParticipantLeft(ParticipantSeen):
    """A cancelled or rejected registration: its session seats go to the waiting lists."""

    reads = LEAVING_FACTS


class ParticipantErasedSeen(ParticipantSeen):
    """An erased registration: its sign-ups and stars go, its manage tokens are refused."""

    reads = ERASED_FACTS


READERS: tuple[type[Reader], ...] = (ConferenceSeen, ParticipantStatusSeen, ParticipantLeft, ParticipantErasedSeen)


def consumer_specs() -> list[ConsumerSpec[Agenda]]:
    spec: ConsumerSpec[Agenda] = ConsumerSpec(group="agenda", topics=list(CONSUMED_TOPICS))

    @spec.on(ConferenceSeen)
    async def on_conference(seen: ConferenceSeen, delivery: Delivery[Agenda]) -> None:
        conference = Conference.model_validate(
            {**seen.model_dump(), "timezone": seen.timezone or DEFAULT_TIMEZONE})
        await service.record_conference(ctx=delivery.service, conference=conference,
                                        session=delivery.session)

    @spec.on(ParticipantErasedSeen)
    async def on_erased(seen: ParticipantErasedSeen, delivery: Delivery[Agenda]) -> None:
        await personal.forget_participant(ctx=delivery.service, session=delivery.session,
                                               **seen.model_dump())

    @spec.on(ParticipantLeft)
    async def on_leaving(seen: ParticipantLeft, delivery: Delivery[Agenda]) -> None:
        await personal.participant_left(ctx=delivery.service, session=delivery.session,
                                             **seen.model_dump())

    @spec.on_batch(ParticipantStatusSeen)
    async def on_statuses(seen: list[ParticipantStatusSeen], batch: Batch[Agenda]) -> None:
        await personal.follow_participants(ctx=batch.service, facts=seen, session=batch.session)

    return [spec]
