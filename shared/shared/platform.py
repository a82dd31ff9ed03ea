"""What every service's lifespan owns: MongoDB, Kafka, the outbox relay, consumers.

A service builds a ``ServiceSpec`` and calls ``create_service_app``; its use cases
reach the clients through ``request.app.state.platform``.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.apidocs import install_docs
from shared.audit import audit_indexes, audit_router
from shared.auth import TokenVerifier
from shared.consumer import PROCESSED, ConsumerRunner, ConsumerSpec
from shared.errors import document_problems, install_error_handlers
from shared.kafka import KafkaProbe, ProducerHolder, dlq_topic, ensure_topics
from shared.mongo import Document, Indexes, make_client, ping, run_in_transaction
from shared.observability import Metrics, install_observability
from shared.outbox import Outbox, OutboxRelay, outbox_indexes
from shared.settings import ServiceSettings
from shared.web.console import audit_console_router

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class ServiceSpec:
    title: str
    description: str
    routers: Sequence[APIRouter]
    indexes: Indexes
    topics: Sequence[str]
    consumers: Sequence[ConsumerSpec] = ()
    on_startup: Sequence[Callable[["Platform"], Awaitable[None]]] = ()
    on_shutdown: Sequence[Callable[["Platform"], Awaitable[None]]] = ()
    version: str = "1.0.0"
    extras: dict[str, Any] = field(default_factory=dict)


class Platform:
    def __init__(self, settings: ServiceSettings, spec: ServiceSpec, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.spec = spec
        self.metrics = metrics or Metrics(settings.service_name)
        self.client: AsyncMongoClient[Document] = make_client(settings.mongo_url)
        self.db: AsyncDatabase[Document] = self.client[settings.database_name]
        self.producers = ProducerHolder(settings)
        self.kafka_probe = KafkaProbe(self.producers)
        self.outbox = Outbox(settings, self.db)
        self.relay = OutboxRelay(settings, self.db, self.outbox, self.producers, self.metrics)
        self.consumers = [
            ConsumerRunner(settings=settings, spec=c, client=self.client, db=self.db,
                           producers=self.producers, metrics=self.metrics,
                           retry_schedule=tuple(settings.consumer_retry_seconds))
            for c in spec.consumers
        ]
        self.extras: dict[str, Any] = {}

    async def transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run a use case's writes (and its outbox entries) in one transaction."""
        result = await run_in_transaction(self.client, work)
        self.outbox.notify()
        return result

    def all_topics(self) -> list[str]:
        produced = [self.settings.topic(t) for t in self.spec.topics]
        consumed = [self.settings.topic(t) for c in self.spec.consumers for t in c.topics]
        return [*produced, *consumed, *(dlq_topic(t) for t in [*produced, *consumed])]

    async def start(self) -> None:
        indexes = Indexes(dict(self.spec.indexes.by_collection))
        outbox_indexes(indexes)
        audit_indexes(indexes)
        await indexes.create(self.db)
        if self.settings.kafka_create_topics:
            try:
                await ensure_topics(self.settings, self.all_topics())
            except Exception as exc:  # noqa: BLE001 - Kafka may come later; writes go to the outbox
                log.warning("could not create topics now (%r); the relay and consumers will retry", exc)
        for hook in self.spec.on_startup:
            await hook(self)
        self.relay.start()
        for consumer in self.consumers:
            consumer.start()

    async def stop(self) -> None:
        for hook in self.spec.on_shutdown:
            await hook(self)
        await asyncio.gather(*(c.stop() for c in self.consumers))
        await self.relay.stop()
        await self.producers.stop()
        await self.client.close()


class ServiceApp(FastAPI):
    """A FastAPI app whose OpenAPI document names the problem documents it answers with."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = document_problems(super().openapi())
        return self.openapi_schema


def create_service_app(settings: ServiceSettings, spec: ServiceSpec) -> FastAPI:
    metrics = Metrics(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform(settings, spec, metrics)
        app.state.platform = platform
        await platform.start()
        try:
            yield
        finally:
            await platform.stop()

    app = ServiceApp(title=spec.title, description=spec.description, version=spec.version, lifespan=lifespan,
                     docs_url=None, redoc_url=None)
    install_docs(app)
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    install_error_handlers(app)
    install_observability(app, metrics)
    _install_health(app)
    for router in spec.routers:
        app.include_router(router)
    app.include_router(audit_router())
    app.include_router(audit_console_router())
    return app


def _install_health(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(request: Request) -> JSONResponse:
        """MongoDB and Kafka are reachable."""
        platform: Platform = request.app.state.platform
        mongo_ok, kafka_ok = await asyncio.gather(ping(platform.client), platform.kafka_probe.ready())
        body = {"status": "ready" if mongo_ok and kafka_ok else "not_ready",
                "checks": {"mongodb": mongo_ok, "kafka": kafka_ok}}
        return JSONResponse(body, status_code=200 if mongo_ok and kafka_ok else 503)


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


__all__ = ["PROCESSED", "Platform", "ServiceSpec", "create_service_app", "get_platform"]
