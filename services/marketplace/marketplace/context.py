"""The marketplace's typed context: what its use cases, routes and consumers reach.

Built once per process (``ServiceSpec.context``); routes get it through ``Ctx``,
consumer handlers through their delivery.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from pymongo.asynchronous.client_session import AsyncClientSession

from marketplace.settings import Settings
from marketplace.store import MarketplaceStore
from shared.envelope import Message, message_envelope
from shared.platform import Platform, context_dependency
from shared.signing import Signer


@dataclass
class Marketplace:
    platform: Platform
    settings: Settings
    store: MarketplaceStore
    # Signs exhibitor passes; its public keys verify them at the gate, offline too.
    signer: Signer

    async def publish(self, session: AsyncClientSession, message: Message, *, subject: str) -> None:
        """Add a message to the outbox in the use case's transaction: sent after commit, never before."""
        envelope = message_envelope(message, source=self.settings.service_name, subject=subject)
        await self.platform.outbox.add(session, message.topic, envelope)

    async def publish_many(self, session: AsyncClientSession, messages: list[tuple[str, Message]]) -> None:
        """Several messages of one topic (each with its subject) in one round trip, in order."""
        envelopes = [message_envelope(m, source=self.settings.service_name, subject=s) for s, m in messages]
        await self.platform.outbox.add_many(session, messages[0][1].topic, envelopes)


def open_marketplace(platform: Platform, signer: Signer) -> Marketplace:
    settings = platform.settings
    if not isinstance(settings, Settings):
        raise TypeError("the marketplace runs with its own Settings")
    return Marketplace(platform=platform, settings=settings, store=MarketplaceStore.of(platform), signer=signer)


Ctx = Annotated[Marketplace, Depends(context_dependency(Marketplace))]
