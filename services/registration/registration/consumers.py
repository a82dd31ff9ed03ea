"""Kafka handlers of the registration service: its own participant messages, turned into mails.

A new registration's mail is queued with the registration itself: ``registered`` is not read here.
"""

from registration.context import RegistrationContext
from registration.notifications import MAIL_KINDS, queue_mail
from shared.consumer import ConsumerSpec, Delivery, Reader

CONSUMED_TOPICS: list[str] = ["registration.participants"]


class ParticipantStatus(Reader):
    """The fields of its own participant facts the mail consumer reads (the facts that send a mail)."""

    reads = tuple(MAIL_KINDS)

    registration_id: str


def consumer_specs() -> list[ConsumerSpec[RegistrationContext]]:
    spec: ConsumerSpec[RegistrationContext] = ConsumerSpec(group="registration-notifications",
                                                           topics=list(CONSUMED_TOPICS))

    @spec.on(ParticipantStatus)
    async def on_participant_message(data: ParticipantStatus, delivery: Delivery[RegistrationContext]) -> None:
        await queue_mail(ctx=delivery.service, session=delivery.session, message_id=delivery.envelope.id,
                         message_type=delivery.envelope.type, registration_id=data.registration_id)

    return [spec]
