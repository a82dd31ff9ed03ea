"""Kafka clients built from settings, topic creation and the producer's view of the brokers."""

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from shared.settings import ServiceSettings

log = logging.getLogger(__name__)
DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


def client_options(settings: ServiceSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = ssl.create_default_context()
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = settings.kafka_sasl_password
    return options


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # acks=all with idempotence: a send is acknowledged only once every in-sync
    # replica has it, and the producer's own retries neither duplicate nor reorder.
    # No linger: the relay sends a subject's next message only once the one before is
    # acknowledged, so waiting for more to join a batch would only add to every message's
    # latency; the messages of other subjects, sent meanwhile, still share requests.
    return AIOKafkaProducer(
        **client_options(settings),
        client_id=f"{settings.service_name}-producer",
        acks="all",
        enable_idempotence=True,
        linger_ms=0,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


def consumer_options(settings: ServiceSettings, group: str) -> dict[str, Any]:
    """A consumer group member that commits by itself, after the effects, and starts a new group at the start."""
    return {
        **client_options(settings),
        "group_id": group,
        "client_id": f"{group}-consumer",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        # One fetch is one batch of the runner at most (consumer_batch_messages per transaction).
        "max_poll_records": 100,
        # The broker answers a fetch as soon as it has a record (fetch_min_bytes 1): how long it
        # holds an empty one does not delay messages. Measured on the local broker, produce ->
        # fetch took as long with 100 ms as with 500 ms, which asks the broker less often when idle.
        "fetch_max_wait_ms": 500,
    }


async def dead_letter(
    producer: AIOKafkaProducer, record: ConsumerRecord[bytes, bytes], exc: BaseException, *, attempts: int, group: str,
) -> None:
    """Send ``record`` as it came to ``<topic>.dlq``, with headers saying where it came from and why it failed."""
    headers = list(record.headers or ()) + [
        ("dlq_error", repr(exc)[:1000].encode()),
        ("dlq_error_type", type(exc).__name__.encode()),
        ("dlq_original_topic", record.topic.encode()),
        ("dlq_original_partition", str(record.partition).encode()),
        ("dlq_original_offset", str(record.offset).encode()),
        ("dlq_attempts", str(attempts).encode()),
        ("dlq_group", group.encode()),
        ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
    ]
    await producer.send_and_wait(dlq_topic(record.topic), value=record.value, key=record.key, headers=headers)


def retention_ms(settings: ServiceSettings, topic: str) -> int:
    """How long ``topic`` keeps its messages, as the Kubernetes KafkaTopic states it too."""
    days = settings.kafka_dlq_retention_days if topic.endswith(".dlq") else settings.kafka_topic_retention_days
    return days * 86_400_000


async def ensure_topics(settings: ServiceSettings, topics: list[str], partitions: int = 3) -> None:
    """Create the missing topics (local runs; in Kubernetes the operator owns them)."""
    admin = AIOKafkaAdminClient(**client_options(settings), client_id=f"{settings.service_name}-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if missing:
            try:
                await admin.create_topics([
                    NewTopic(name=t, num_partitions=partitions, replication_factor=1,
                             topic_configs={"retention.ms": str(retention_ms(settings, t))})
                    for t in missing
                ])
            except TopicAlreadyExistsError:
                pass
            await _wait_for_topics(admin, missing)
    finally:
        await admin.close()


async def _wait_for_topics(admin: AIOKafkaAdminClient, topics: list[str], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(topics) <= set(await admin.list_topics()):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"topics not visible after creation: {topics}")


class KafkaProbe:
    """The producer's view of Kafka, refreshed in the background every few seconds.

    It is a metric (``tadamon_kafka_up``) and a line of ``/readyz``, never a reason to be
    unready: while Kafka is away the outbox keeps every message, so requests are still
    served. Readers get the last answer at once; a probe of an absent broker takes seconds.
    """

    def __init__(self, producer_holder: "ProducerHolder", interval: float = 5.0) -> None:
        self._holder = producer_holder
        self.interval = interval
        self.up: bool | None = None
        self.on_check: list[Callable[[bool], None]] = []

    async def check(self) -> bool:
        self.up = await self._holder.reachable()
        for listener in self.on_check:
            listener(self.up)
        return self.up

    async def watch(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.interval)


class ProducerHolder:
    """Owns the service's one producer; starts it lazily so a service boots with Kafka down."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> AIOKafkaProducer:
        async with self._lock:
            if self.producer is None:
                producer = make_producer(self.settings)
                try:
                    await producer.start()
                except BaseException:
                    await producer.stop()
                    raise
                self.producer = producer
            return self.producer

    async def reachable(self) -> bool:
        try:
            producer = await asyncio.wait_for(self.get(), 5.0)
            await asyncio.wait_for(producer.client.fetch_all_metadata(), 3.0)
            return True
        except (TimeoutError, KafkaError, OSError):
            return False

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None
