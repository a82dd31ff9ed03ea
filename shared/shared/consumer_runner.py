"""The Kafka side of a consumer: fetch, apply a partition's records, then commit their offsets."""

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.consumer import PROCESSED, RETRY_SCHEDULE_SECONDS, ConsumerSpec
from shared.consumer_apply import Applier, BatchLimits
from shared.kafka import ProducerHolder, consumer_options
from shared.mongo import Document
from shared.observability import Metrics
from shared.settings import ServiceSettings
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class ConsumerRunner:
    def __init__(
        self, *, settings: ServiceSettings, spec: ConsumerSpec[Any], context: object,
        client: AsyncMongoClient[Document], db: AsyncDatabase[Document], producers: ProducerHolder, metrics: Metrics,
        retry_schedule: tuple[float, ...] = RETRY_SCHEDULE_SECONDS,
    ) -> None:
        self.settings = settings
        self.spec = spec
        self.group = settings.group(spec.group)
        self.topics = [settings.topic(t) for t in spec.topics]
        self.metrics = metrics
        self.applier = Applier(
            group=self.group, subscriptions=spec.subscriptions, context=context, client=client,
            processed=db[PROCESSED], producers=producers, metrics=metrics, retry_schedule=retry_schedule,
            limits=BatchLimits(settings.consumer_batch_messages, settings.consumer_batch_seconds),
        )
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        failures = 0
        while True:
            consumer = AIOKafkaConsumer(*self.topics, **consumer_options(self.settings, self.group))
            try:
                await consumer.start()
                self._consumer = consumer
                failures = 0
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect after any outage
                failures += 1
                pause = min(10.0, 0.5 * 2 ** min(failures, 5))
                log.warning("consumer %s: %s; restarting in %.1f s", self.group, exc, pause)
                await asyncio.sleep(pause)
            finally:
                self._consumer = None
                await consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            if batches:
                # The partitions of a fetch applied together (one transaction for all of them,
                # within the batch limits): each partition's records stay in their order, and a
                # subject lives in one partition, so each subject's messages keep theirs.
                await self.applier.apply_records([record for records in batches.values() for record in records])
                # Committed only once every record of the fetch has had its effect (or gone
                # to the DLQ): a crash before this line means redelivery, not loss.
                await self._commit(consumer, {partition: records[-1].offset + 1
                                              for partition, records in batches.items()})
            await self._measure_lag(consumer)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[Any, int]) -> None:
        """Commit ``offsets``; a refusal because the group rebalanced meanwhile is no outage.

        The partitions went to a member (this one again, maybe) that starts from the last
        committed offsets: it gets these records again and its markers drop what was applied.
        The consumer rejoins the group by itself, so it carries on. It used to be stopped and
        started again, as after an outage: in a fault drill (the broker killed and started again
        mid-rush) a consumer restarted that way applied nothing more for the 150 s the drill
        waited."""
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            self.metrics.consumer_commits_refused.labels(self.group).inc()
            log.info("consumer %s: offsets not committed after a rebalance (%s); their records come again",
                     self.group, type(exc).__name__)

    async def _measure_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Records between the group's position and the end of each assigned partition (as last fetched)."""
        for partition in consumer.assignment():
            end = consumer.highwater(partition)
            if end is None:
                continue
            try:
                position = await asyncio.wait_for(consumer.position(partition), 0.5)
            except (TimeoutError, KafkaError):
                continue
            self.metrics.consumer_lag.labels(self.group, partition.topic, str(partition.partition)).set(
                max(0, end - position))
