"""Builders for the agenda tests: the app with a participant-token signer, registration's messages."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from agenda.app import create_app
from agenda.settings import Settings
from registration.events import (
    ConferenceCreated,
    ConferenceFact,
    ParticipantCancelled,
    ParticipantCheckedIn,
    ParticipantConfirmed,
    ParticipantErased,
    ParticipantFact,
    ParticipantRejected,
    ParticipantWaitlisted,
)
from shared.envelope import Envelope, message_envelope
from shared.signing import Signer
from support import Infra, Keys, eventually, produce_raw, running, settings_for, unique

DAY1, DAY2 = "2027-06-16", "2027-06-17"


@dataclass
class Agenda:
    client: httpx.AsyncClient
    settings: Settings
    infra: Infra
    keys: Keys
    signer: Signer
    conference_id: str
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def org(self) -> dict[str, str]:
        return self.keys.headers("admin")

    async def publish(self, topic: str, envelope: Any) -> None:
        await produce_raw(self.infra.kafka_bootstrap, self.settings.topic(topic), envelope.to_bytes(),
                          key=envelope.subject.encode(), headers=envelope.headers())

    def token(self, registration_id: str, conference_id: str | None = None) -> dict[str, str]:
        signed = self.signer.sign({"t": "manage", "r": registration_id, "c": conference_id or self.conference_id,
                                   "n": uuid.uuid4().hex[:8]})
        return {"X-Manage-Token": signed}

    async def participant(self, fact: type[ParticipantFact] = ParticipantConfirmed, status: str | None = None,
                          registration_id: str | None = None) -> str:
        """Publish a participant fact (registration's own class) and wait until the agenda has applied it."""
        registration_id = registration_id or unique("reg")
        status = status or STATUS_AFTER.get(fact, "confirmed")
        # Each later fact about a registration is its next version, as registration numbers them.
        self.versions[registration_id] = self.versions.get(registration_id, 0) + 1
        await self.publish("registration.participants", participant_message(
            registration_id, self.conference_id, fact, status, version=self.versions[registration_id]))

        async def applied() -> bool:
            mine = await self.client.get("/me/agenda", headers=self.token(registration_id))
            if fact is ParticipantErased:
                return mine.status_code == 401
            return mine.status_code == 200 and mine.json()["registration_status"] == status

        await eventually(applied)
        return registration_id

    async def participants(self, count: int) -> list[str]:
        ids = [unique("reg") for _ in range(count)]
        await asyncio.gather(*(self.participant(registration_id=r) for r in ids))
        return ids

    async def room(self, room_id: str, name: str, capacity: int = 100) -> None:
        response = await self.client.post(f"/conferences/{self.conference_id}/rooms", headers=self.org,
                                          json={"id": room_id, "name": name, "capacity": capacity,
                                                "interpretation_languages": ["ar", "fr"]})
        assert response.status_code == 201, response.text

    async def speaker(self, speaker_id: str, name: str) -> None:
        response = await self.client.post(f"/conferences/{self.conference_id}/speakers", headers=self.org,
                                          json={"id": speaker_id, "name": name, "organization": "ODCO",
                                                "bio": {"fr": f"Biographie de {name}", "ar": f"نبذة عن {name}"}})
        assert response.status_code == 201, response.text

    async def session(self, session_id: str, **fields: Any) -> httpx.Response:
        return await self.client.post(f"/conferences/{self.conference_id}/sessions", headers=self.org,
                                      json=session_body(session_id, **fields))

    async def release(self) -> dict[str, Any]:
        response = await self.client.post(f"/conferences/{self.conference_id}/releases", headers=self.org)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def session_body(session_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": session_id,
        "title": {"ar": f"جلسة {session_id}", "fr": f"Séance {session_id}", "en": f"Session {session_id}"},
        "abstract": {"fr": "Résumé", "ar": "ملخص", "en": "Abstract"},
        "kind": "workshop", "track": "market-access", "room_id": "room-a",
        "starts_at": f"{DAY1}T10:00:00", "ends_at": f"{DAY1}T11:00:00", "languages": ["ar", "fr"],
        "speaker_ids": [], "moderator_ids": [],
    }
    body.update(fields)
    return body


def conference_message(conference_id: str, starts_on: str = DAY1, ends_on: str = DAY2,
                       fact: type[ConferenceFact] = ConferenceCreated) -> Envelope:
    """A conference message built with registration's own class."""
    data = fact.model_validate({
        "conference_id": conference_id, "kind": "national_conference", "edition": 6,
        "title": {"ar": "المناظرة الوطنية السادسة", "fr": "6e Assises nationales", "en": "6th national conference"},
        "slogan": None, "city": "Ben Guerir", "region": "marrakech-safi", "venue": "UM6P", "starts_on": starts_on,
        "ends_on": ends_on, "timezone": "Africa/Casablanca", "capacity": 1500,
        "registration_opens_at": "2027-01-01T00:00:00Z", "registration_closes_at": "2027-06-10T00:00:00Z",
        "requires_approval": False})
    return message_envelope(data, source="registration", subject=conference_id)


# The status registration gives with each fact (checked-in and erased leave it as it was).
STATUS_AFTER: dict[type[ParticipantFact], str] = {
    ParticipantWaitlisted: "waitlisted", ParticipantCancelled: "cancelled", ParticipantRejected: "rejected"}


def participant_message(registration_id: str, conference_id: str, fact: type[ParticipantFact],
                        status: str = "confirmed", at: datetime | None = None, version: int = 1) -> Envelope:
    """A participant message as registration sends it, built with registration's own class."""
    at = at or datetime.now(UTC)
    extra: dict[str, Any] = {}
    if fact is ParticipantCheckedIn:
        extra = {"checked_in_at": at, "device_id": "gate-1"}
    elif fact is ParticipantErased:
        extra = {"erased_at": at}
    data = fact(registration_id=registration_id, conference_id=conference_id, status=status, category="cooperative",
                region="souss-massa", gender=None, age_band=None, language="fr", at=at, version=version, **extra)
    return message_envelope(data, source="registration", subject=registration_id)


@asynccontextmanager
async def agenda_service(infra: Infra, keys: Keys, tmp: Path, previous: Signer | None = None
                         ) -> AsyncIterator[Agenda]:
    """The agenda app on real Kafka and MongoDB, with a known conference and two rooms; ``previous``
    is a key registration signed with before a rotation, still trusted."""
    signer = Signer.from_file_or_new("")
    key_file = tmp / "registration_public.pem"
    key_file.write_text(signer.public_pem())
    key_files = str(key_file)
    if previous is not None:
        (tmp / "registration_previous-1.pem").write_text(previous.public_pem())
        key_files += f",{tmp}/registration_previous-*.pem"
    settings = settings_for(Settings, infra, keys, registration_public_key_file=key_files)
    async with running(create_app(settings)) as client:
        agenda = Agenda(client, settings, infra, keys, signer, unique("ess"))
        await agenda.publish("registration.conferences", conference_message(agenda.conference_id))

        async def known() -> bool:
            return (await client.get(f"/conferences/{agenda.conference_id}")).status_code == 200

        await eventually(known)
        await agenda.room("room-a", "Amphi A")
        await agenda.room("room-b", "Salle B")
        yield agenda
