"""Kafka handlers of the registration service: its own participant messages, turned into mails."""

from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession

from registration.notifications import MAIL_KINDS, queue_mail
from shared.consumer import ConsumerSpec
from shared.envelope import Envelope

CONSUMED_TOPICS: list[str] = ["registration.participants"]


class ParticipantStatus(BaseModel):
    registration_id: str
    status: str


def consumer_specs(holder: dict[str, Any] | None = None) -> list[ConsumerSpec]:
    """``holder["platform"]`` is filled at startup: handlers need the service's database."""
    places = holder if holder is not None else {}
    spec = ConsumerSpec(group="registration-notifications", topics=list(CONSUMED_TOPICS))

    async def on_participant_message(envelope: Envelope, session: AsyncClientSession) -> None:
        data = ParticipantStatus.model_validate(envelope.data)
        await queue_mail(places["platform"], session, message_id=envelope.id, message_type=envelope.type,
                         registration_id=data.registration_id, status=data.status)

    for message_type in MAIL_KINDS:
        spec.on(message_type)(on_participant_message)
    return [spec]
