"""What every service's lifespan owns: MongoDB, Kafka, the outbox relay, consumers.

A service builds a ``ServiceSpec`` and calls ``create_service_app``; its use cases
reach the clients through ``request.app.state.platform``.
"""

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from shared.apidocs import install_docs
from shared.asyncapi import service_document
from shared.audit import audit_indexes, audit_router
from shared.auth import TokenVerifier
from shared.consumer import PROCESSED, ConsumerSpec, processed_indexes
from shared.consumer_runner import ConsumerRunner
from shared.envelope import Message
from shared.errors import document_problems, install_error_handlers, problem_response
from shared.jobs import JobHandler, JobWorker
from shared.jobs_store import jobs_indexes
from shared.kafka import KafkaProbe, ProducerHolder, dlq_topic, ensure_topics
from shared.locks import KeyedLocks
from shared.mongo import Document, Indexes, make_client, ping, run_in_transaction
from shared.observability import Metrics, install_observability
from shared.outbox import Outbox, OutboxRelay, outbox_indexes
from shared.settings import ServiceSettings
from shared.tasks import cancel_and_wait
from shared.web.console import audit_console_router

log = logging.getLogger(__name__)
T = TypeVar("T")
C = TypeVar("C")


@dataclass
class ServiceSpec:
    title: str
    description: str
    routers: Sequence[APIRouter]
    indexes: Indexes
    topics: Sequence[str]
    consumers: Sequence[ConsumerSpec[Any]] = ()
    on_startup: Sequence[Callable[["Platform"], Awaitable[None]]] = ()
    on_shutdown: Sequence[Callable[["Platform"], Awaitable[None]]] = ()
    version: str = "1.0.0"
    # What the service's handlers and routes reach beside the platform (a signer, a mailer,
    # per-key locks), built once the platform exists; the platform itself when nothing more.
    context: Callable[["Platform"], object] | None = None
    # The payload classes the service publishes (its events.MESSAGES): its part of the catalogue.
    messages: Sequence[type[Message]] = ()
    # Each OpenAPI tag the routers use, with its description (the sections of /docs and of
    # generated clients); "operations" is added here.
    tags: dict[str, str] = field(default_factory=dict)
    # Background work started from the console (shared.jobs): kind -> handler.
    jobs: dict[str, JobHandler] = field(default_factory=dict)
    # Routes that take an uploaded file, as (path pattern, largest body in bytes): above the
    # service-wide cap, which stays in force for every other route.
    large_bodies: Sequence[tuple[str, int]] = ()


class Platform:
    def __init__(self, settings: ServiceSettings, spec: ServiceSpec, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.spec = spec
        self.metrics = metrics or Metrics(settings.service_name)
        self.client: AsyncMongoClient[Document] = make_client(settings.mongo_url)
        self.db: AsyncDatabase[Document] = self.client[settings.database_name]
        self.producers = ProducerHolder(settings)
        self.kafka_probe = KafkaProbe(self.producers, settings.kafka_probe_seconds)
        self.kafka_probe.on_check.append(lambda up: self.metrics.kafka_up.set(1 if up else 0))
        self._probe_task: asyncio.Task[None] | None = None
        self.outbox = Outbox(settings, self.db)
        self.relay = OutboxRelay(settings, self.db, self.outbox, self.producers, self.metrics)
        self.locks = KeyedLocks()
        self.jobs_wake = asyncio.Event()
        self.job_worker: JobWorker | None = None
        self.context: object = spec.context(self) if spec.context else self
        self.consumers = [
            ConsumerRunner(settings=settings, spec=c, context=self.context, client=self.client, db=self.db,
                           producers=self.producers, metrics=self.metrics,
                           retry_schedule=tuple(settings.consumer_retry_seconds))
            for c in spec.consumers
        ]

    async def transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]], *,
                          queue_on: str | None = None) -> T:
        """Run a use case's writes (and its outbox entries) in one transaction.

        ``queue_on`` names a hot document (a conference's counters, a market's stands):
        changes to it from this process wait their turn on a lock instead of colliding in
        MongoDB and retrying in a storm of write conflicts. Across processes the
        transaction stays the guarantee.
        """
        self.metrics.transactions.inc()
        if queue_on is None:
            return await run_in_transaction(self.client, work, on_retry=self.metrics.transaction_retries.inc)
        async with self.locks(queue_on):
            return await run_in_transaction(self.client, work, on_retry=self.metrics.transaction_retries.inc)

    async def sample(self) -> None:
        await self.outbox.sample(self.metrics)

    def all_topics(self) -> list[str]:
        produced = [self.settings.topic(t) for t in self.spec.topics]
        consumed = [self.settings.topic(t) for c in self.spec.consumers for t in c.topics]
        return [*produced, *consumed, *(dlq_topic(t) for t in [*produced, *consumed])]

    async def start(self) -> None:
        indexes = self.spec.indexes.copy()
        outbox_indexes(indexes, self.settings.outbox_sent_retention_days)
        if self.consumers:
            processed_indexes(indexes, self.settings.processed_marker_retention_days)
        audit_indexes(indexes)
        jobs_indexes(indexes)
        await indexes.create(self.db)
        if self.settings.kafka_create_topics:
            try:
                await ensure_topics(self.settings, self.all_topics())
            except Exception as exc:  # noqa: BLE001 - Kafka may come later; writes go to the outbox
                log.warning("could not create topics now (%r); the relay and consumers will retry", exc)
        for hook in self.spec.on_startup:
            await hook(self)
        self.relay.start()
        if self.spec.jobs:
            self.job_worker = JobWorker(self, self.spec.jobs)
            self.job_worker.start()
        for consumer in self.consumers:
            consumer.start()
        self._probe_task = asyncio.create_task(self.kafka_probe.watch(), name="kafka-probe")
        self.metrics.sample_with(self.sample)

    async def stop(self) -> None:
        for hook in self.spec.on_shutdown:
            await hook(self)
        self.metrics.stop_sampling(self.sample)
        await cancel_and_wait(self._probe_task)
        if self.job_worker is not None:
            await self.job_worker.stop()
        await asyncio.gather(*(c.stop() for c in self.consumers))
        await self.relay.stop()
        await self.producers.stop()
        await self.client.close()


OPERATIONS_TAG = "Liveness, readiness and metrics, for the platform that runs the service."
AUDIT_TAG = "The audit log of organizer acts in this service (who, when, what, from where), for administrators."


def operation_id(route: APIRoute) -> str:
    """The route function's name: stable across releases and readable in generated clients.

    FastAPI's default glues the path and method onto it, so moving a route renames the
    client's method; the test of the OpenAPI documents checks that names stay unique.
    """
    return route.name


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

    described = {**spec.tags, "operations": OPERATIONS_TAG, "audit": AUDIT_TAG}
    tags = [{"name": name, "description": text} for name, text in described.items()]
    app = ServiceApp(title=spec.title, description=spec.description, version=spec.version, lifespan=lifespan,
                     openapi_tags=tags, generate_unique_id_function=operation_id, docs_url=None, redoc_url=None)
    install_docs(app)
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       larger=[(re.compile(pattern), size) for pattern, size in spec.large_bodies])
    install_observability(app, metrics)
    _install_health(app)
    _install_catalogue(app, settings.service_name, spec.messages)
    for router in spec.routers:
        app.include_router(router)
    app.include_router(audit_router())
    app.include_router(audit_console_router())
    return app


class BodySizeLimit:
    """Refuse a request body over ``max_bytes`` with 413 problem JSON, whatever route it is for.

    The body is read here, at most ``max_bytes`` of it, before the route sees it: a body
    sent in chunks without Content-Length is cut as soon as it passes the limit, so a
    caller cannot make a service hold megabytes in memory or store them."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Sequence[tuple[re.Pattern[str], int]] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger

    def limit_for(self, path: str) -> int:
        return next((size for pattern, size in self.larger if pattern.fullmatch(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before its body was complete
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> AsgiMessage:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(Request(scope), status=413, code="request_too_large",
                                    params={"max": limit}, headers={"Connection": "close"})
        await response(scope, receive, send)


def _install_health(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(request: Request) -> JSONResponse:
        """The service can serve requests: MongoDB answers. Kafka's state is reported, not required."""
        platform: Platform = request.app.state.platform
        mongo_ok = await ping(platform.client)
        # While Kafka is away the outbox keeps the messages of every accepted request:
        # taking the pods out of their Service would refuse what the outbox exists to absorb.
        body = {"status": "ready" if mongo_ok else "not_ready",
                "checks": {"mongodb": mongo_ok, "kafka": platform.kafka_probe.up}}
        return JSONResponse(body, status_code=200 if mongo_ok else 503)


def _install_catalogue(app: FastAPI, service: str, messages: Sequence[type[Message]]) -> None:
    document = service_document(service, messages)

    @app.get("/asyncapi.json", tags=["operations"])
    async def asyncapi() -> dict[str, Any]:
        """The AsyncAPI 3.0 document of the messages this service publishes (its part of docs/asyncapi.json)."""
        return document


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def platform_context(platform: Platform, kind: type[C]) -> C:
    """The service's own context (``ServiceSpec.context``), which must be a ``kind``."""
    context = platform.context
    if not isinstance(context, kind):
        raise TypeError(f"the platform carries a {type(context).__name__} as context, not a {kind.__name__}")
    return context


def request_context(request: Request, kind: type[C]) -> C:
    return platform_context(get_platform(request), kind)


def context_dependency(kind: type[C]) -> Callable[[Request], Awaitable[C]]:
    """The dependency that gives routes the service's context: declared async, it runs on the
    event loop rather than in a thread."""
    async def dependency(request: Request) -> C:
        return request_context(request, kind)

    return dependency


__all__ = ["PROCESSED", "Platform", "ServiceSpec", "context_dependency", "create_service_app", "get_platform",
           "platform_context", "request_context"]
