"""What a service consumes: handlers by reader model, the idempotency marker, retries, DLQ.

A service registers each handler with ``spec.on(SomeReader)``: the reader model lists
the message types it reads and models only the fields the handler uses. The runner
(``shared.consumer_runner``) fetches records; for each one it parses the envelope (a
record that is not one goes to the DLQ at once), finds the subscription for its type
(other types are skipped), validates the payload into the reader model (a payload that
does not fit goes to the DLQ at once), then calls the handler with it and a ``Delivery``
(the service's typed context, the transaction and the envelope) in a MongoDB transaction
that also records the message id, so a redelivery finds the marker and has no second
effect. The messages of one fetch share a transaction, a batch at a time
(``shared.consumer_apply``). A handler registered with ``spec.on(...)`` is called once per
message; one registered with ``spec.on_batch(...)`` gets, in their order, the payloads of
consecutive messages of its reader in that batch (a ``Batch``) and does their effects in
bulk; when a batch fails and its messages are applied one at a time, it gets one payload
per call. Offsets are
committed only after the transactions have committed. A handler that fails is retried on
a bounded schedule, then its message goes to the DLQ; a database that is unavailable is
waited for instead, since the message is not at fault.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.envelope import Envelope
from shared.mongo import Indexes

PROCESSED = "processed_messages"
# A failing handler is tried again after 0.2 s, 1 s and 5 s (settings may change the
# schedule); after the fourth failure the message goes to the DLQ and the partition
# moves on.
RETRY_SCHEDULE_SECONDS = (0.2, 1.0, 5.0)
# MongoDB unreachable or a write lock that outlives the transaction's own retries is
# no fault of the message: it is tried again after this pause, without limit.
DATABASE_WAIT_SECONDS = 1.0


def processed_indexes(indexes: Indexes, retention_days: int) -> None:
    """Markers expire once the topics no longer hold their message (settings: longer than retention)."""
    indexes.add(PROCESSED, IndexModel([("at", ASCENDING)], name="marker_expire",
                                      expireAfterSeconds=retention_days * 86_400))


class PoisonMessage(Exception):
    """Raised by a handler for a message that can never succeed: straight to the DLQ."""


class Reader(BaseModel):
    """A consumer's model of another service's messages: the fields it reads, nothing more.

    ``reads`` names the message types (the producer's ``message_type``) whose payload it
    models; unknown fields are ignored, so a producer may add fields within a version.
    The contract tests validate each reader against examples built with the producer's
    own classes.
    """

    model_config = ConfigDict(extra="ignore")

    reads: ClassVar[tuple[str, ...]]


C = TypeVar("C")
R = TypeVar("R", bound=Reader)


@dataclass(frozen=True)
class Delivery(Generic[C]):
    """What a handler gets beside the payload: the service's context and the message's transaction."""

    service: C
    session: AsyncClientSession
    envelope: Envelope


@dataclass(frozen=True)
class Batch(Generic[C]):
    """What a batch handler gets beside the payloads: the context, the transaction, their envelopes."""

    service: C
    session: AsyncClientSession
    envelopes: list[Envelope]


Handler = Callable[[R, Delivery[C]], Awaitable[None]]
BatchHandler = Callable[[list[R], Batch[C]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription(Generic[C]):
    reader: type[Reader]
    handler: Callable[[Any, Delivery[C]], Awaitable[None]] | None = None
    batch_handler: Callable[[list[Any], Batch[C]], Awaitable[None]] | None = None


class ConsumerSpec(Generic[C]):
    """What a service consumes: its group, topics and one handler per reader model.

    ``C`` is the typed context the service gives its handlers (``ServiceSpec.context``).
    """

    def __init__(self, *, group: str, topics: list[str]) -> None:
        self.group = group
        self.topics = topics
        self.subscriptions: dict[str, Subscription[C]] = {}

    def on(self, reader: type[R]) -> Callable[[Handler[R, C]], Handler[R, C]]:
        def register(handler: Handler[R, C]) -> Handler[R, C]:
            self._subscribe(Subscription(reader, handler=handler))
            return handler

        return register

    def on_batch(self, reader: type[R]) -> Callable[[BatchHandler[R, C]], BatchHandler[R, C]]:
        """A handler of the consecutive messages of ``reader`` in a batch, given as one list."""

        def register(handler: BatchHandler[R, C]) -> BatchHandler[R, C]:
            self._subscribe(Subscription(reader, batch_handler=handler))
            return handler

        return register

    def _subscribe(self, subscription: Subscription[C]) -> None:
        for message_type in subscription.reader.reads:
            if message_type in self.subscriptions:
                raise ValueError(f"{message_type} already has a handler in {self.group}")
            self.subscriptions[message_type] = subscription

    def readers(self) -> list[type[Reader]]:
        return list(dict.fromkeys(s.reader for s in self.subscriptions.values()))


__all__ = ["Batch", "BatchHandler", "ConsumerSpec", "Delivery", "Handler", "PoisonMessage", "Reader", "Subscription"]
