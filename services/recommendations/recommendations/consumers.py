"""Kafka handlers of the recommendations service: each gets the fields it reads and calls one use case."""

from recommendations import feeds, intake
from recommendations.context import Recommendations
from shared.consumer import Batch, ConsumerSpec, Delivery

CONSUMED_TOPICS: list[str] = [
    "agenda.sessions", "registration.conferences", "registration.participants", "marketplace.checkins",
    "marketplace.sales",
]


class ParticipantStatus(feeds.ParticipantFacts):
    """Registration's participant facts that change who attends; an erasure keeps the anonymous
    fields the counts rest on and changes no status, so it is not read here. A new registration
    comes as ``registered`` with its status; ``confirmed`` and ``waitlisted`` on arrival come only
    from earlier versions of registration (still in the topic)."""

    reads = tuple(f"registration.participant-{verb}.v1" for verb in (
        "registered", "confirmed", "waitlisted", "promoted", "approved", "rejected", "cancelled"))


class ParticipantCheckedIn(feeds.ParticipantFacts):
    """The first scan of a participant's badge: counted as attendance."""

    reads = ("registration.participant-checked-in.v1",)


def consumer_specs() -> list[ConsumerSpec[Recommendations]]:
    spec: ConsumerSpec[Recommendations] = ConsumerSpec(group="recommendations", topics=list(CONSUMED_TOPICS))

    @spec.on(intake.SessionOutcomes)
    async def on_outcomes(data: intake.SessionOutcomes, delivery: Delivery[Recommendations]) -> None:
        await intake.record_session_outcomes(ctx=delivery.service, session=delivery.session, data=data)

    @spec.on(intake.ConferenceFacts)
    async def on_conference(data: intake.ConferenceFacts, delivery: Delivery[Recommendations]) -> None:
        await intake.record_conference(ctx=delivery.service, session=delivery.session, data=data)

    @spec.on_batch(ParticipantStatus)
    async def on_participants(data: list[ParticipantStatus], batch: Batch[Recommendations]) -> None:
        await feeds.apply_participant_changes(ctx=batch.service, session=batch.session, facts=list(data),
                                              checked_in=False)

    @spec.on_batch(ParticipantCheckedIn)
    async def on_checked_in(data: list[ParticipantCheckedIn], batch: Batch[Recommendations]) -> None:
        await feeds.apply_participant_changes(ctx=batch.service, session=batch.session, facts=list(data),
                                              checked_in=True)

    @spec.on(feeds.ExhibitorCheckedIn)
    async def on_checkin(data: feeds.ExhibitorCheckedIn, delivery: Delivery[Recommendations]) -> None:
        await feeds.apply_exhibitor_checkin(ctx=delivery.service, session=delivery.session, data=data)

    @spec.on(feeds.SalesDeclared)
    async def on_sales(data: feeds.SalesDeclared, delivery: Delivery[Recommendations]) -> None:
        await feeds.apply_sales_declaration(ctx=delivery.service, session=delivery.session, data=data)

    return [spec]
