"""Kafka handlers of the recommendations service: each gets the fields it reads and calls one use case."""

from recommendations import feeds, intake
from recommendations.context import Recommendations
from shared.consumer import Batch, ConsumerSpec, Delivery

CONSUMED_TOPICS: list[str] = [
    "agenda.sessions", "registration.conferences", "registration.participants", "marketplace.checkins",
    "marketplace.sales",
]


class ParticipantChange(feeds.ParticipantFacts):
    """Registration's participant facts that change a registration's status. A new registration
    comes as ``registered`` with its status; ``confirmed`` and ``waitlisted`` on arrival come only
    from earlier versions of registration (still in the topic). One reader for all of them, so that
    a rush of them is applied in one call whatever their order.

    Two facts change no status and are not read: an erasure (it keeps the anonymous fields the
    counts rest on) and a check-in (only a confirmed registration checks in, and stays confirmed:
    it is counted already). Every later fact has a higher version, so skipping them keeps the
    facts in order."""

    reads = tuple(f"registration.participant-{verb}.v1" for verb in (
        "registered", "confirmed", "waitlisted", "promoted", "approved", "rejected", "cancelled"))


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
        await feeds.apply_participant_changes(ctx=batch.service, session=batch.session, changes=data)

    @spec.on(feeds.ExhibitorCheckedIn)
    async def on_checkin(data: feeds.ExhibitorCheckedIn, delivery: Delivery[Recommendations]) -> None:
        await feeds.apply_exhibitor_checkin(ctx=delivery.service, session=delivery.session, data=data)

    @spec.on(feeds.SalesDeclared)
    async def on_sales(data: feeds.SalesDeclared, delivery: Delivery[Recommendations]) -> None:
        await feeds.apply_sales_declaration(ctx=delivery.service, session=delivery.session, data=data)

    return [spec]
