"""Moving dead-lettered messages back to their topic once the cause is fixed.

``python -m shared.dlq replay --topic registration.participants [--since ISO] [--until ISO]
[--error-type NAME] [--dry-run]``, with the service's environment (Kafka settings and
topic prefix). The DLQ is read from its beginning up to its end as found at the start,
so messages dead-lettered during the replay wait for the next one. Each chosen message
is published again to its original topic, with its key and its headers minus the
``dlq_*`` ones the consumer added. Consumers record every message id they handle, so a
message replayed twice, or handled meanwhile, has one effect.
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from shared.kafka import DLQ_SUFFIX, client_options, dlq_topic, make_producer
from shared.settings import ServiceSettings

DLQ_HEADER_PREFIX = "dlq_"
REPLAYED_FROM = "dlq_replayed_from"


class ReplaySettings(ServiceSettings):
    """Only Kafka's settings matter here; SERVICE_NAME from the service's environment is ignored."""

    service_name: str = "dlq-replay"


@dataclass(frozen=True)
class Selection:
    """Which dead-lettered messages to move: dead-lettered within [since, until), of one error type."""

    since: datetime | None = None
    until: datetime | None = None
    error_type: str | None = None

    def takes(self, failed_at: datetime, error_type: str) -> bool:
        return ((self.since is None or failed_at >= self.since) and (self.until is None or failed_at < self.until)
                and (self.error_type is None or error_type == self.error_type))


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    target: str
    message_type: str
    message_id: str
    error_type: str
    failed_at: datetime

    def describe(self) -> str:
        # Ids and types only: the payload may hold personal data, the error text may quote it.
        return (f"{self.partition}@{self.offset} {self.message_type} {self.message_id} {self.error_type} "
                f"dead-lettered {self.failed_at.isoformat()} -> {self.target}")


def read_dead_letter(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    headers = {key: value.decode(errors="replace") for key, value in record.headers or ()}
    failed_at = (parse_time(headers["dlq_failed_at"]) if "dlq_failed_at" in headers
                 else datetime.fromtimestamp(record.timestamp / 1000, UTC))
    try:
        envelope = json.loads(record.value or b"")
        message_type, message_id = str(envelope.get("type", "-")), str(envelope.get("id", "-"))
    except (ValueError, AttributeError):
        message_type, message_id = "(not an envelope)", "-"
    return DeadLetter(partition=record.partition, offset=record.offset,
                      target=headers.get("dlq_original_topic") or record.topic.removesuffix(DLQ_SUFFIX),
                      message_type=message_type, message_id=message_id,
                      error_type=headers.get("dlq_error_type", "-"), failed_at=failed_at)


async def read_dlq(settings: ServiceSettings, source: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``source`` from its beginning to its end as found now (no consumer group)."""
    # Earliest: assigning the partitions starts a reset of their positions by this policy,
    # which may land after seek_to_beginning below; "latest" would then skip every record.
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", client_id=f"{settings.service_name}-dlq-reader")
    await consumer.start()
    try:
        # A consumer without a group learns only of topics it was told about: refresh them all.
        await consumer._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public refresh
        partitions = [TopicPartition(source, p) for p in sorted(consumer.partitions_for_topic(source) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, items in batches.items():
                records.extend(r for r in items if r.offset < ends[tp])
            # The position, not the last record: offsets of transaction markers hold no record.
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return records
    finally:
        await consumer.stop()


async def replay(settings: ServiceSettings, *, topic: str, selection: Selection, dry_run: bool,
                 say: Callable[[str], None] = print) -> list[DeadLetter]:
    """Move the chosen messages of ``topic``'s DLQ back to ``topic``; the ones chosen (moved unless dry run)."""
    source = dlq_topic(settings.topic(topic))
    records = await read_dlq(settings, source)
    chosen = [(record, letter) for record in records
              if selection.takes((letter := read_dead_letter(record)).failed_at, letter.error_type)]
    for _, letter in chosen:
        say(("would replay " if dry_run else "replaying ") + letter.describe())
    if chosen and not dry_run:
        producer = make_producer(settings)
        await producer.start()
        try:
            for record, letter in chosen:
                headers = [(k, v) for k, v in record.headers or () if not k.startswith(DLQ_HEADER_PREFIX)]
                headers.append((REPLAYED_FROM, f"{source}:{letter.partition}:{letter.offset}".encode()))
                await producer.send_and_wait(letter.target, value=record.value, key=record.key, headers=headers)
        finally:
            await producer.stop()
    verb = "would replay" if dry_run else "replayed"
    say(f"{verb} {len(chosen)} of {len(records)} dead-lettered messages of {source}")
    return [letter for _, letter in chosen]


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.dlq", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("replay", help="move dead-lettered messages back to their topic")
    run.add_argument("--topic", required=True, help="the original topic, without the prefix")
    run.add_argument("--since", type=parse_time, help="dead-lettered at or after (ISO 8601; UTC if no offset)")
    run.add_argument("--until", type=parse_time, help="dead-lettered before (ISO 8601; UTC if no offset)")
    run.add_argument("--error-type", help="only this exception type (the dlq_error_type header)")
    run.add_argument("--dry-run", action="store_true", help="list what would move; move nothing")
    args = parser.parse_args(argv)
    selection = Selection(since=args.since, until=args.until, error_type=args.error_type)
    asyncio.run(replay(ReplaySettings(), topic=args.topic, selection=selection, dry_run=args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
