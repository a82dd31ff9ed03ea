"""Builders for the registration tests: request bodies, a running service, a mail catcher."""

import io
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import zxingcpp
from PIL import Image

from registration.app import create_app
from registration.settings import Settings
from support import Infra, Keys, MailCatcher, mail_catcher, running, settings_for

_counter = itertools.count(1)


def local_today(timezone: str = "Africa/Casablanca") -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def conference_body(**overrides: Any) -> dict[str, Any]:
    """A conference held today and tomorrow, so that its badges can be scanned now."""
    today = local_today()
    body: dict[str, Any] = {
        "kind": "national_conference", "edition": 6,
        "title": {"ar": "المناظرة الوطنية للاقتصاد الاجتماعي والتضامني", "fr": "Assises nationales de l'ESS",
                  "en": "National ESS conference"},
        "slogan": {"fr": "Ensemble"}, "venue": "Palais des congrès", "city": "Skhirat",
        "region": "rabat-sale-kenitra", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=1)).isoformat(), "capacity": 100,
    }
    body.update(overrides)
    return body


def participant_body(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {
        "full_name": f"Participant {n}", "email": f"participant{n}@example.ma", "phone": "0612345678",
        "organization_name": "Coopérative Argane", "organization_type": "cooperative", "region": "souss-massa",
        "gender": "female", "age_band": "25_34", "language": "fr", "consent": True,
    }
    body.update(overrides)
    return body


@dataclass
class Running:
    client: httpx.AsyncClient
    settings: Settings
    mails: MailCatcher
    organizer: dict[str, str]
    keys: Keys

    def staff(self, conference_id: str) -> dict[str, str]:
        return self.keys.headers(f"staff:conference:{conference_id}")

    @property
    def platform(self) -> Any:
        return self.client._transport.app.state.platform  # type: ignore[attr-defined]

    async def conference(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/admin/conferences", json=conference_body(**overrides),
                                          headers=self.organizer)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def held_on(self, conference_id: str, starts_on: str, ends_on: str) -> None:
        """Moves a conference to other days, e.g. into the past once its participants registered
        (registration closes when a conference ends)."""
        response = await self.client.patch(f"/admin/conferences/{conference_id}", headers=self.organizer,
                                           json={"starts_on": starts_on, "ends_on": ends_on})
        assert response.status_code == 200, response.text

    async def register(self, conference_id: str, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(f"/conferences/{conference_id}/registrations",
                                          json=participant_body(**overrides))
        assert response.status_code == 201, response.text
        return dict(response.json())


@asynccontextmanager
async def registration_service(infra: Infra, keys: Keys, **overrides: Any) -> AsyncIterator[Running]:
    async with mail_catcher() as mails:
        settings = settings_for(Settings, infra, keys, smtp_port=mails.port, mail_poll_seconds=0.1, **overrides)
        async with running(create_app(settings)) as client:
            yield Running(client=client, settings=settings, mails=mails, organizer=keys.headers("admin"),
                          keys=keys)


def decode_qr(png: bytes) -> str:
    # QR codes only: the decoder sometimes also reports a phantom symbol of another format in
    # the same picture. One QR code, one text.
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    texts = {str(result.text) for result in results}
    assert len(texts) == 1, [(result.format, result.text) for result in results]
    return texts.pop()
