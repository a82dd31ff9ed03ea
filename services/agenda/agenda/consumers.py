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
PARTICIPANT_VERBS = ("registered", "confirmed", "waitlisted", "promoted", "approved", "rejected", "cancelled",
                     "checked-in", "erased")


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

    async def on_participant(envelope: Envelope, session: AsyncClientSession) -> None:
        seen = ParticipantSeen.model_validate(envelope.data)
        await participation.record_participant(
            platform=holder["platform"], registration_id=seen.registration_id, conference_id=seen.conference_id,
            status=seen.status, at=seen.at, session=session)

    for kind in CONFERENCE_TYPES:
        spec.on(kind)(on_conference)
    for verb in PARTICIPANT_VERBS:
        spec.on(f"registration.participant-{verb}.v1")(on_participant)
    return [spec]
