"""Kafka handlers of the recommendations service: each parses the fields it reads and calls one use case."""

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations import feeds, intake
from recommendations.store import Store
from shared.consumer import ConsumerSpec
from shared.envelope import Envelope
from shared.platform import Platform

CONSUMED_TOPICS: list[str] = [
    "agenda.sessions", "registration.conferences", "registration.participants", "marketplace.checkins",
    "marketplace.sales",
]
# Registration's participant facts that change who attends; an erasure keeps the anonymous
# fields the counts rest on and changes no status, so it is not read here.
STATUS_FACTS = tuple(f"registration.participant-{verb}.v1" for verb in (
    "registered", "confirmed", "waitlisted", "promoted", "approved", "rejected", "cancelled"))
CHECKED_IN_FACT = "registration.participant-checked-in.v1"


def consumer_specs(holder: dict[str, Any]) -> list[ConsumerSpec]:
    """``holder["platform"]`` is set at startup, before the consumers run."""
    spec = ConsumerSpec(group="recommendations", topics=list(CONSUMED_TOPICS))

    def platform() -> Platform:
        current: Platform = holder["platform"]
        return current

    @spec.on("agenda.session-outcomes-recorded.v1")
    async def on_outcomes(envelope: Envelope, session: AsyncClientSession) -> None:
        data = intake.SessionOutcomes.model_validate(envelope.data)
        await intake.record_session_outcomes(store=Store(platform().db), outbox=platform().outbox, session=session,
                                             data=data)

    async def on_conference(envelope: Envelope, session: AsyncClientSession) -> None:
        data = intake.ConferenceFacts.model_validate(envelope.data)
        await intake.record_conference(store=Store(platform().db), session=session, data=data)

    for verb in ("created", "updated"):
        spec.on(f"registration.conference-{verb}.v1")(on_conference)

    async def on_participant(envelope: Envelope, session: AsyncClientSession) -> None:
        data = feeds.ParticipantFacts.model_validate(envelope.data)
        await feeds.apply_participant_change(store=Store(platform().db), outbox=platform().outbox, session=session,
                                           data=data, checked_in=False)

    for kind in STATUS_FACTS:
        spec.on(kind)(on_participant)

    @spec.on(CHECKED_IN_FACT)
    async def on_checked_in(envelope: Envelope, session: AsyncClientSession) -> None:
        data = feeds.ParticipantFacts.model_validate(envelope.data)
        await feeds.apply_participant_change(store=Store(platform().db), outbox=platform().outbox, session=session,
                                           data=data, checked_in=True)

    @spec.on("marketplace.exhibitor-checked-in.v1")
    async def on_checkin(envelope: Envelope, session: AsyncClientSession) -> None:
        data = feeds.ExhibitorCheckedIn.model_validate(envelope.data)
        await feeds.apply_exhibitor_checkin(store=Store(platform().db), outbox=platform().outbox, session=session,
                                          data=data)

    @spec.on("marketplace.sales-declared.v1")
    async def on_sales(envelope: Envelope, session: AsyncClientSession) -> None:
        data = feeds.SalesDeclared.model_validate(envelope.data)
        await feeds.apply_sales_declaration(store=Store(platform().db), outbox=platform().outbox, session=session,
                                          data=data)

    return [spec]
