"""Kafka handlers of the recommendations service: each gets the fields it reads and calls one use case."""

from recommendations import feeds, intake
from recommendations.context import Recommendations
from shared.consumer import Batch, ConsumerSpec, Delivery

CONSUMED_TOPICS: list[str] = [
    "agenda.sessions", "registration.conferences", "registration.participants", "marketplace.checkins",
    "marketplace.sales",
]


CHECKED_IN = "registration.participant-checked-in.v1"


class ParticipantChange(feeds.ParticipantFacts):
    """Registration's participant facts that change who attends, and the first scan of a badge
    (``checked-in``, counted as attendance). An erasure keeps the anonymous fields the counts rest
    on and changes no status, so it is not read here. A new registration comes as ``registered``
    with its status; ``confirmed`` and ``waitlisted`` on arrival come only from earlier versions of
    registration (still in the topic). One reader for all of them, so that a rush of them is
    applied in one call whatever their order."""

    reads = (*(f"registration.participant-{verb}.v1" for verb in (
        "registered", "confirmed", "waitlisted", "promoted", "approved", "rejected", "cancelled")), CHECKED_IN)


def consumer_specs() -> list[ConsumerSpec[Recommendations]]:
    spec: ConsumerSpec[Recommendations] = ConsumerSpec(group="recommendations", topics=list(CONSUMED_TOPICS))

    @spec.on(intake.SessionOutcomes)
    async def on_outcomes(data: intake.SessionOutcomes, delivery: Delivery[Recommendations]) -> None:
        await intake.record_session_outcomes(ctx=delivery.service, session=delivery.session, data=data)

    @spec.on(intake.ConferenceFacts)
    async def on_conference(data: intake.ConferenceFacts, delivery: Delivery[Recommendations]) -> None:
        await intake.record_conference(ctx=delivery.service, session=delivery.session, data=data)

    @spec.on_batch(ParticipantChange)
    async def on_participants(data: list[ParticipantChange], batch: Batch[Recommendations]) -> None:
        # The type says what happened: a check-in is the only fact that marks attendance.
        changes = [(fact, envelope.type == CHECKED_IN) for fact, envelope in zip(data, batch.envelopes, strict=True)]
        await feeds.apply_participant_changes(ctx=batch.service, session=batch.session, changes=changes)

    @spec.on(feeds.ExhibitorCheckedIn)
    async def on_checkin(data: feeds.ExhibitorCheckedIn, delivery: Delivery[Recommendations]) -> None:
        await feeds.apply_exhibitor_checkin(ctx=delivery.service, session=delivery.session, data=data)

    @spec.on(feeds.SalesDeclared)
    async def on_sales(data: feeds.SalesDeclared, delivery: Delivery[Recommendations]) -> None:
        await feeds.apply_sales_declaration(ctx=delivery.service, session=delivery.session, data=data)

    return [spec]
