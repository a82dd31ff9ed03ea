"""Structured JSON logs, the correlation id that travels with a request, and metrics.

Metrics an operator alerts on carry the ``tadamon_`` prefix. Gauges that are a count in
MongoDB (outbox entries, queued mails) are read when Prometheus scrapes ``/metrics``, by
the samplers a service registers, so they are never stale and cost nothing between scrapes.
"""

import asyncio
import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar, cast

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "X-Correlation-ID"
# A sampler that does not answer within this time (MongoDB down) is skipped: the scrape
# still answers, with that gauge's last value, well within Prometheus' scrape timeout.
SAMPLE_TIMEOUT_SECONDS = 2.0
Sampler = Callable[[], Awaitable[None]]
access_log = logging.getLogger("tadamon.access")
# Reads of routes tagged "public" (programme, register, conferences) may be kept this long
# by browsers and shared caches; anything asked with credentials or a token is never stored.
PUBLIC_TAG = "public"
PUBLIC_MAX_AGE_SECONDS = 60
T = TypeVar("T")
_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> contextvars.Token[str | None]:
    return _correlation_id.set(value)


def reset_correlation_id(token: contextvars.Token[str | None]) -> None:
    _correlation_id.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": current_correlation_id(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


class Metrics:
    """One registry per app, so several apps can live in one process (tests)."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.samplers: list[Sampler] = []
        self._own: dict[str, object] = {}
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self.messages_published = Counter(
            "messages_published_total", "Messages the outbox relay published", ["topic"], registry=self.registry
        )
        self.messages_consumed = Counter(
            "messages_consumed_total", "Messages handled by consumers", ["topic", "outcome"], registry=self.registry
        )
        self.outbox_dead_lettered = Counter(
            "tadamon_outbox_dead_lettered_total", "Outbox entries set aside because Kafka can never take them",
            ["topic"], registry=self.registry,
        )
        self.outbox_batch = Histogram(
            "outbox_batch_size", "Messages per relay batch", registry=self.registry,
            buckets=(1, 5, 10, 50, 100, 500),
        )
        self.outbox_pending = Gauge(
            "tadamon_outbox_pending", "Outbox entries not yet published to Kafka", registry=self.registry
        )
        self.outbox_oldest_age = Gauge(
            "tadamon_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox entry not yet published (0 when none)", registry=self.registry,
        )
        self.kafka_up = Gauge(
            "tadamon_kafka_up", "1 while the service's producer reaches Kafka, 0 otherwise", registry=self.registry
        )
        self.dlq_messages = Counter(
            "tadamon_consumer_dlq_messages", "Messages consumers moved to a dead-letter topic",
            ["topic", "group", "error_type"], registry=self.registry,
        )
        self.consumer_commits_refused = Counter(
            "tadamon_consumer_commits_refused", "Offset commits refused because the group rebalanced meanwhile",
            ["group"], registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "tadamon_consumer_lag_messages", "Records of a partition not yet consumed by the service's group",
            ["group", "topic", "partition"], registry=self.registry,
        )
        self.transactions = Counter(
            "tadamon_transactions", "MongoDB transactions a use case opened (retries not counted)",
            registry=self.registry,
        )
        self.transaction_retries = Counter(
            "tadamon_transaction_retries", "MongoDB transactions started again after a transient error",
            registry=self.registry,
        )

    def own(self, name: str, build: Callable[[CollectorRegistry], T]) -> T:
        """A service's own metric, registered once per registry however often the service starts."""
        if name not in self._own:
            self._own[name] = build(self.registry)
        return cast(T, self._own[name])

    def sample_with(self, sampler: Sampler) -> None:
        """Run ``sampler`` before each scrape (it sets gauges from the database)."""
        self.samplers.append(sampler)

    def stop_sampling(self, sampler: Sampler) -> None:
        if sampler in self.samplers:
            self.samplers.remove(sampler)

    async def sample(self) -> None:
        for sampler in self.samplers:
            try:
                await asyncio.wait_for(sampler(), SAMPLE_TIMEOUT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - a scrape answers even with the database down
                logging.getLogger(__name__).warning("metrics sampler failed: %r", exc)


class CorrelateAndMeasure:
    """Each request: its correlation id (taken or made, echoed in the answer), cache headers, metrics, one log line.

    Plain ASGI rather than an ``@app.middleware("http")`` function, which runs the rest of
    the application in a task of its own and passes the answer through memory streams: a
    price paid on every request.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        incoming = (request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4()))[:128]
        token = set_correlation_id(incoming)
        started = time.perf_counter()
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[CORRELATION_HEADER] = incoming
                _cache_headers(request, status, headers)
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            took = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(request.method, route, str(status)).inc()
            self.metrics.latency.labels(request.method, route).observe(took)
            _log_access(request, route, status, took)
            reset_correlation_id(token)


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    app.add_middleware(CorrelateAndMeasure, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        await metrics.sample()
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _cache_headers(request: Request, status: int, headers: MutableHeaders) -> None:
    """Every answer depends on Accept-Language (texts, problem details); public reads may be cached briefly."""
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    if "accept-language" not in {v.lower() for v in vary}:
        headers["Vary"] = ", ".join([*vary, "Accept-Language"])
    if "Cache-Control" in headers:
        return
    route_tags = getattr(request.scope.get("route"), "tags", None) or []
    personal = "authorization" in request.headers or "cookie" in request.headers or "token" in request.query_params
    if request.method == "GET" and status == 200 and PUBLIC_TAG in route_tags and not personal:
        headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_SECONDS}"
    elif personal:
        headers["Cache-Control"] = "private, no-store"


def _log_access(request: Request, route: str, status: int, took: float) -> None:
    """One line per request. The path only, never the query: it may carry a manage token."""
    access_log.info(
        "%s %s %d", request.method, request.url.path, status,
        extra={"fields": {"method": request.method, "path": request.url.path, "route": route, "status": status,
                          "duration_ms": round(took * 1000, 1)}},
    )
