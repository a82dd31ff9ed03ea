"""Builders for the marketplace tests: request bodies and a running service with helpers."""

import io
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import zxingcpp
from fastapi import FastAPI
from PIL import Image

from marketplace.app import create_app
from marketplace.context import Marketplace as MarketplaceContext
from marketplace.domain import market_day
from marketplace.settings import Settings
from marketplace.store import MarketplaceStore
from support import Infra, Keys, MailCatcher, mail_catcher, running, settings_for

_counter = itertools.count(1)
SECTORS = ["argan_oils", "honey", "dates", "couscous_cereals", "textiles_carpets", "crafts"]


def today() -> date:
    return market_day(datetime.now(UTC))


def cooperative_body(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {
        "name": {"ar": f"تعاونية الأمل {n}", "fr": f"Coopérative Al Amal {n}", "en": f"Al Amal cooperative {n}"},
        "register_number": f"AGA-{1000 + n}", "region": "souss-massa", "province": "Agadir Ida-Outanane",
        "sector": "argan_oils", "members": 12, "women_led": False, "youth_led": False,
        "contact": {"representative": "Fatima Zahra Aït Lahcen", "phone": "0612345678", "email": f"coop{n}@example.ma"},
        "products": [{"name": {"ar": "زيت أركان", "fr": "Huile d'argan"}, "category": "argan_oils",
                      "unit_price_mad": 180.0}],
    }
    body.update(overrides)
    return body


def market_body(stands: int = 3, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "kind": "mobile_market",
        "name": {"ar": "السوق المتنقل للمنتجات التعاونية", "fr": "Marché mobile des produits coopératifs"},
        "city": "Rabat", "region": "rabat-sale-kenitra", "venue": "Esplanade Bab El Had",
        "days": [today().isoformat()],
        "application_opens_at": (now - timedelta(days=1)).isoformat(),
        "application_closes_at": (now + timedelta(days=1)).isoformat(),
        "stands": [{"number": i, "zone": "A" if i <= 10 else "B", "size": "3x3"} for i in range(1, stands + 1)],
    }
    body.update(overrides)
    return body


def decode_qr(png: bytes) -> str:
    # QR codes only: the decoder sometimes also reports a phantom symbol of another format in
    # the same picture. One QR code, one text.
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    texts = {str(result.text) for result in results}
    assert len(texts) == 1, [(result.format, result.text) for result in results]
    return texts.pop()


@dataclass
class Marketplace:
    client: httpx.AsyncClient
    settings: Settings
    keys: Keys
    app: FastAPI
    mails: MailCatcher

    @property
    def ctx(self) -> MarketplaceContext:
        context = self.app.state.platform.context
        assert isinstance(context, MarketplaceContext)
        return context

    @property
    def store(self) -> MarketplaceStore:
        return self.ctx.store

    @property
    def organizer(self) -> dict[str, str]:
        return self.keys.headers("admin")

    def staff(self, market_id: str) -> dict[str, str]:
        return self.keys.headers(f"staff:market:{market_id}")

    def exhibitor(self, cooperative_id: str) -> dict[str, str]:
        return self.keys.headers(f"exhibitor:cooperative:{cooperative_id}", sub=f"cooperative:{cooperative_id}")

    async def cooperative(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/cooperatives", json=cooperative_body(**overrides), headers=self.organizer)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def market(self, stands: int = 3, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/markets", json=market_body(stands, **overrides), headers=self.organizer)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def apply(self, cooperative_id: str, *market_ids: str) -> list[dict[str, Any]]:
        response = await self.client.post("/applications", json={"market_ids": list(market_ids)},
                                          headers=self.exhibitor(cooperative_id))
        assert response.status_code == 201, response.text
        created: list[dict[str, Any]] = response.json()
        return created

    async def accept(self, application_id: str, **body: Any) -> httpx.Response:
        return await self.client.post(f"/applications/{application_id}/accept", json=body or None,
                                      headers=self.organizer)

    async def exhibitor_at(self, market_id: str, **cooperative: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """A cooperative accepted at the market, and its application."""
        coop = await self.cooperative(**cooperative)
        [application] = await self.apply(coop["id"], market_id)
        accepted = await self.accept(application["id"])
        assert accepted.status_code == 200, accepted.text
        return coop, accepted.json()

    async def pass_token(self, application: dict[str, Any]) -> str:
        response = await self.client.get(f"/applications/{application['id']}/pass",
                                         headers=self.exhibitor(application["cooperative_id"]))
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token


@asynccontextmanager
async def marketplace_service(infra: Infra, keys: Keys, **overrides: Any) -> AsyncIterator[Marketplace]:
    async with mail_catcher() as mails:
        settings = settings_for(Settings, infra, keys, **{"jwt_private_key_file": str(keys.private_file),
                                                          "smtp_port": mails.port, **overrides})
        app = create_app(settings)
        async with running(app) as client:
            yield Marketplace(client=client, settings=settings, keys=keys, app=app, mails=mails)
