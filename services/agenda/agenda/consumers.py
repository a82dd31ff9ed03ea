"""Kafka handlers of the agenda service: registration's conferences and participants."""

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, field_validator
from pymongo.asynchronous.client_session import AsyncClientSession

from agenda import participation, service
from agenda.domain import DEFAULT_TIMEZONE, Conference
from shared.consumer import ConsumerSpec
from shared.envelope import Envelope
from shared.i18n import StoredText
from shared.platform import Platform

CONSUMED_TOPICS: list[str] = ["registration.conferences", "registration.participants"]

CONFERENCE_TYPES = ("registration.conference-created.v1", "registration.conference-updated.v1")
# Registration's participant facts by what they mean here (registration.events names one class per type).
STATUS_FACTS = tuple(f"registration.participant-{verb}.v1" for verb in (
    "registered", "confirmed", "waitlisted", "promoted", "approved", "checked-in"))
LEAVING_FACTS = ("registration.participant-cancelled.v1", "registration.participant-rejected.v1")
ERASED_FACT = "registration.participant-erased.v1"


class ConferenceSeen(BaseModel):
    """The fields of registration's conference messages the agenda reads."""

    model_config = ConfigDict(extra="ignore")

    conference_id: str
    title: StoredText | None = None
    starts_on: date
    ends_on: date
    timezone: str | None = None
    city: str | None = None
    venue: str | None = None


class ParticipantSeen(BaseModel):
    """The fields of registration's participant messages the agenda reads."""

    model_config = ConfigDict(extra="ignore")

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


def consumer_specs(holder: dict[str, Platform] | None = None) -> list[ConsumerSpec]:
    holder = holder if holder is not None else {}
    spec = ConsumerSpec(group="agenda", topics=list(CONSUMED_TOPICS))

    async def on_conference(envelope: Envelope, session: AsyncClientSession) -> None:
        seen = ConferenceSeen.model_validate(envelope.data)
        conference = Conference.model_validate(
            {**seen.model_dump(), "timezone": seen.timezone or DEFAULT_TIMEZONE})
        await service.record_conference(platform=holder["platform"], conference=conference, session=session)

    @spec.on(ERASED_FACT)
    async def on_erased(envelope: Envelope, session: AsyncClientSession) -> None:
        seen = ParticipantSeen.model_validate(envelope.data)
        await participation.forget_participant(platform=holder["platform"], session=session, **seen.model_dump())

    async def on_leaving(envelope: Envelope, session: AsyncClientSession) -> None:
        seen = ParticipantSeen.model_validate(envelope.data)
        await participation.participant_left(platform=holder["platform"], session=session, **seen.model_dump())

    async def on_status(envelope: Envelope, session: AsyncClientSession) -> None:
        seen = ParticipantSeen.model_validate(envelope.data)
        await participation.follow_participant(platform=holder["platform"], session=session, **seen.model_dump())

    for kind in CONFERENCE_TYPES:
        spec.on(kind)(on_conference)
    for kind in LEAVING_FACTS:
        spec.on(kind)(on_leaving)
    for kind in STATUS_FACTS:
        spec.on(kind)(on_status)
    return [spec]
