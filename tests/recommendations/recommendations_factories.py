"""Builders for the recommendations tests: the app, organizers, evidence, other services' messages."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx

from agenda.events import SessionOutcomesRecorded
from marketplace.events import ExhibitorCheckedIn, SalesDeclared
from recommendations.app import create_app
from recommendations.settings import Settings
from registration.events import PARTICIPANT_FACTS, ConferenceCreated, ParticipantCheckedIn, ParticipantErased
from shared.envelope import Envelope, message_envelope
from shared.platform import Platform
from support import Infra, Keys, produce_raw, running, settings_for

AMINA = "amina.organizer@tadamon.ma"
YOUSSEF = "youssef.organizer@tadamon.ma"


@dataclass
class Service:
    client: httpx.AsyncClient
    settings: Settings
    platform: Platform
    infra: Infra
    keys: Keys

    def organizer(self, sub: str = AMINA) -> dict[str, str]:
        return self.keys.headers("admin", sub=sub)

    async def publish(self, topic: str, envelope: Envelope) -> None:
        await produce_raw(self.infra.kafka_bootstrap, self.settings.topic(topic), envelope.to_bytes(),
                          envelope.subject.encode())


@asynccontextmanager
async def service(infra: Infra, keys: Keys, **overrides: Any) -> AsyncIterator[Service]:
    settings = settings_for(Settings, infra, keys, **overrides)
    app = create_app(settings)
    async with running(app) as client:
        yield Service(client=client, settings=settings, platform=app.state.platform, infra=infra, keys=keys)


def evidence(**overrides: Any) -> dict[str, Any]:
    return {"url": "https://www.mtaess.gov.ma/decision-2026-17.pdf", "description": "Arrêté publié au BO",
            "date": "2026-10-01", **overrides}


def new_recommendation(**overrides: Any) -> dict[str, Any]:
    return {"id": f"test-{uuid.uuid4().hex[:10]}", "edition": 5, "number": 99,
            "text": {"ar": "توصية تجريبية", "fr": "Recommandation d'essai", "en": "Test recommendation"},
            "themes": ["market_access"], "sdgs": [8], "lead_body": "ministry_ess",
            "contributing_bodies": ["regions"], "target_date": "2027-12-31", **overrides}


def outcomes(session_id: str, conference_id: str, items: list[tuple[str, str]]) -> Envelope:
    """An outcomes message built with agenda's own class."""
    data = SessionOutcomesRecorded.model_validate({
        "session_id": session_id, "conference_id": conference_id,
        "session_title": {"ar": "ورشة التسويق", "fr": "Atelier commercialisation", "en": "Marketing workshop"},
        "conclusions": {"fr": "Conclusions"}, "recorded_at": datetime.now(UTC).isoformat(),
        "recommendations": [{"key": key, "text": {"ar": text, "fr": f"fr: {key}"}} for key, text in items]})
    return message_envelope(data, source="agenda", subject=session_id)


def conference(conference_id: str, edition: int | None) -> Envelope:
    """A conference message built with registration's own class."""
    data = ConferenceCreated.model_validate({
        "conference_id": conference_id, "kind": "national_conference", "edition": edition,
        "title": {"fr": "Conférence"}, "slogan": None, "city": "Ben Guerir", "region": "marrakech-safi",
        "venue": "UM6P", "starts_on": "2027-06-17", "ends_on": "2027-06-18", "timezone": "Africa/Casablanca",
        "capacity": 500, "registration_opens_at": None, "registration_closes_at": None, "requires_approval": False})
    return message_envelope(data, source="registration", subject=conference_id)


FACTS = {fact.message_type.removeprefix("registration.participant-").removesuffix(".v1"): fact
         for fact in PARTICIPANT_FACTS}


def participant(verb: str, registration_id: str, status: str, region: str, at: datetime | None = None,
                version: int = 1) -> Envelope:
    """A participant message built with registration's own class for ``verb``."""
    fact = FACTS[verb]
    at = at or datetime.now(UTC)
    extra: dict[str, Any] = {}
    if fact is ParticipantCheckedIn:
        extra = {"checked_in_at": at, "device_id": "scanner-1"}
    elif fact is ParticipantErased:
        extra = {"erased_at": at}
    data = fact(registration_id=registration_id, conference_id="conf-5", status=status, category="cooperative",
                region=region, gender=None, age_band=None, language="ar", at=at, version=version, **extra)
    return message_envelope(data, source="registration", subject=registration_id)


def checkin(market_id: str, cooperative_id: str, day: str = "2026-11-20") -> Envelope:
    """An exhibitor check-in built with marketplace's own class."""
    data = ExhibitorCheckedIn(market_id=market_id, cooperative_id=cooperative_id, stand=1, day=date.fromisoformat(day),
                              region="souss-massa", sector="argan", women_led=True, youth_led=False,
                              checked_in_at=datetime.now(UTC))
    return message_envelope(data, source="marketplace", subject=f"pass-{uuid.uuid4().hex[:6]}")


def sales(market_id: str, cooperative_id: str, day: str, amount: str, declared_at: datetime | None = None,
          version: int = 1) -> Envelope:
    """A sales declaration's message built with marketplace's own class."""
    declaration_id = f"{market_id}:{cooperative_id}:{day}"
    data = SalesDeclared(declaration_id=declaration_id, market_id=market_id, cooperative_id=cooperative_id,
                         day=date.fromisoformat(day), amount_mad=float(amount), by_category={"food": float(amount)},
                         region="souss-massa", sector="argan", women_led=True, youth_led=False,
                         declared_at=declared_at or datetime.now(UTC), version=version)
    return message_envelope(data, source="marketplace", subject=declaration_id)
