"""MongoDB access shared by the services: client, indexes, transactions with retry."""

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

log = logging.getLogger(__name__)
T = TypeVar("T")
Document = dict[str, Any]

# Write conflicts between concurrent transactions surface as TransientTransactionError;
# the whole transaction is retried from the start after a short jittered pause.
# 5 ms doubling to 320 ms, for at most 40 attempts (about 10 s in the worst case).
RETRY_BASE_SECONDS = 0.005
RETRY_MAX_SECONDS = 0.32
MAX_TRANSACTION_ATTEMPTS = 40
# No new attempt starts after this many seconds: an unreachable server makes each attempt
# wait for server selection, and 40 of those would hold a request for many minutes instead
# of answering 503 (the consumers wait for the database on their own).
MAX_TRANSACTION_SECONDS = 15.0


# A pooled connection idle this long is closed by the driver before it is used again: servers
# and the network between (the local server after 300 s, firewalls, load balancers) drop idle
# connections, and a write sent on a dropped one fails at once (writes are not retried here).
MAX_IDLE_SECONDS = 120


# Queries matching a list of values (``$in``) send at most this many at a time. The local
# server's cost per value grows with the list's length (a find of 10 ids: 0.07 ms of its CPU
# per id; of 50: 0.09 ms; of 500: 0.5 ms; marking 500 outbox entries sent in one update: 1.3 ms
# each, in ten of 50: 0.6 ms), and more round trips of shorter lists cost MongoDB little.
IN_LIST_MAX = 50
# listIndexes on a collection that does not exist.
NAMESPACE_NOT_FOUND = 26
DUPLICATE_KEY = 11000


def only_duplicates(exc: BulkWriteError) -> bool:
    """Every write of the bulk that failed, failed on a key already there (and was written nowhere)."""
    errors = exc.details.get("writeErrors", [])
    return bool(errors) and not exc.details.get("writeConcernErrors") and all(
        error.get("code") == DUPLICATE_KEY for error in errors)


def in_pieces(values: Iterable[T], size: int = IN_LIST_MAX) -> list[list[T]]:
    """``values`` (without repeats, order kept) cut into lists of at most ``size``, for ``$in`` queries."""
    distinct = list(dict.fromkeys(values))
    return [distinct[start:start + size] for start in range(0, len(distinct), size)]


async def find_in(
    collection: AsyncCollection[Document], field: str, values: Iterable[Any], query: Document | None = None,
    projection: Document | None = None, session: AsyncClientSession | None = None,
) -> list[Document]:
    """The documents whose ``field`` is one of ``values`` (and that match ``query``), a piece of the list at a time."""
    found: list[Document] = []
    for piece in in_pieces(values):
        found += await collection.find({**(query or {}), field: {"$in": piece}}, projection,
                                       session=session).to_list(None)
    return found


async def update_in(
    collection: AsyncCollection[Document], ids: Sequence[Any], query: Document, update: Document,
    session: AsyncClientSession | None = None,
) -> int:
    """Apply ``update`` to the documents of these ``_id``s matching ``query``, a piece at a time; how many changed."""
    changed = 0
    for piece in in_pieces(ids):
        result = await collection.update_many({**query, "_id": {"$in": piece}}, update, session=session)
        changed += result.modified_count
    return changed


async def delete_in(
    collection: AsyncCollection[Document], ids: Sequence[Any], query: Document,
    session: AsyncClientSession | None = None,
) -> int:
    """Delete the documents of these ``_id``s matching ``query``, a piece at a time; how many went."""
    deleted = 0
    for piece in in_pieces(ids):
        result = await collection.delete_many({**query, "_id": {"$in": piece}}, session=session)
        deleted += result.deleted_count
    return deleted


def make_client(url: str, **options: Any) -> AsyncMongoClient[Document]:
    options = {"maxIdleTimeMS": MAX_IDLE_SECONDS * 1000, **options}
    return AsyncMongoClient(url, tz_aware=True, uuidRepresentation="standard", **options)


@dataclass
class Indexes:
    """The indexes of one service, created at startup (creation is idempotent), and those it
    no longer has, dropped where an older version left them: every index is paid for on
    every write of its collection."""

    by_collection: dict[str, list[IndexModel]] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)

    def add(self, collection: str, *models: IndexModel) -> None:
        self.by_collection.setdefault(collection, []).extend(models)

    def retire(self, collection: str, *names: str) -> None:
        self.retired.setdefault(collection, []).extend(names)

    def copy(self) -> "Indexes":
        """A copy to add to (the platform's own collections) without changing this one."""
        return Indexes({name: list(models) for name, models in self.by_collection.items()},
                       {name: list(names) for name, names in self.retired.items()})

    async def create(self, db: AsyncDatabase[Document]) -> None:
        for name, models in self.by_collection.items():
            if models:
                await db[name].create_indexes(models)
        for name, retired in self.retired.items():
            try:
                present = {index["name"] async for index in await db[name].list_indexes()}
            except OperationFailure as exc:
                if exc.code == NAMESPACE_NOT_FOUND:
                    continue  # no collection, no index to drop
                raise
            for index in retired:
                if index in present:
                    await db[name].drop_index(index)


def retry_pause(attempt: int) -> float:
    ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * (2 ** (attempt - 1)))
    return random.uniform(ceiling / 2, ceiling)


# The callbacks of each transaction running in ``run_in_transaction``, called once it committed.
_AFTER_COMMIT: dict[AsyncClientSession, list[Callable[[], None]]] = {}


def after_commit(session: AsyncClientSession, callback: Callable[[], None]) -> None:
    """Call ``callback`` once the transaction running on ``session`` has committed.

    An attempt that does not commit drops its callbacks with its writes: only what the
    committed attempt built is handed on. ``session`` is one ``run_in_transaction`` runs.
    """
    try:
        _AFTER_COMMIT[session].append(callback)
    except KeyError:
        raise RuntimeError("after_commit needs a transaction run by run_in_transaction") from None


async def run_in_transaction(
    client: AsyncMongoClient[Document],
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    max_attempts: int = MAX_TRANSACTION_ATTEMPTS,
    max_seconds: float = MAX_TRANSACTION_SECONDS,
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Run ``work(session)`` in one transaction; retry it whole on transient errors.

    ``work`` may run several times, so it must build everything it writes (ids,
    envelopes, timestamps) inside itself, and hand on what it built only through
    ``after_commit``. Domain errors it raises abort and propagate.
    ``on_retry`` is called before each new attempt (the services count them: a storm of
    retries means a hot document in concurrent transactions).
    """
    deadline = time.monotonic() + max_seconds
    async with client.start_session() as session:
        try:
            return await _attempts(session, work, max_attempts, deadline, on_retry)
        finally:
            _AFTER_COMMIT.pop(session, None)


async def _attempts(session: AsyncClientSession, work: Callable[[AsyncClientSession], Awaitable[T]],
                    max_attempts: int, deadline: float, on_retry: Callable[[], None] | None) -> T:
    for attempt in range(1, max_attempts + 1):
        _AFTER_COMMIT[session] = []
        await session.start_transaction(
            read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
        )
        try:
            result = await work(session)
            await _commit(session)
        except ServerSelectionTimeoutError:
            # No server could be reached for a whole selection timeout: another attempt
            # would wait as long again. The caller answers 503 now (consumers wait for the
            # database on their own), however the driver labels the error.
            await _abort_quietly(session)
            raise
        except PyMongoError as exc:
            await _abort_quietly(session)
            again = attempt < max_attempts and time.monotonic() < deadline
            if exc.has_error_label("TransientTransactionError") and again:
                if on_retry is not None:
                    on_retry()
                await asyncio.sleep(retry_pause(attempt))
                continue
            raise
        except BaseException:
            await _abort_quietly(session)
            raise
        _call_after_commit(_AFTER_COMMIT.pop(session))
        return result
    raise RuntimeError("unreachable")


def _call_after_commit(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # noqa: BLE001 - committed: the caller must not take the transaction for failed
            log.exception("a callback after a committed transaction failed")


async def _commit(session: AsyncClientSession) -> None:
    for attempt in range(1, 6):
        try:
            await session.commit_transaction()
            return
        except PyMongoError as exc:
            if exc.has_error_label("UnknownTransactionCommitResult") and attempt < 5:
                await asyncio.sleep(retry_pause(attempt))
                continue
            raise


async def _abort_quietly(session: AsyncClientSession) -> None:
    if session.in_transaction:
        try:
            await session.abort_transaction()
        except PyMongoError:
            log.debug("abort after a failed transaction failed too", exc_info=True)


def database_unavailable(exc: BaseException) -> bool:
    """MongoDB unreachable, or a transaction still conflicting once its retries ran out (as behind the locks
    of a transaction a killed process left open, until the server expires it after 60 s): the same work may
    well succeed a moment later."""
    return isinstance(exc, ConnectionFailure) or (
        isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError"))


async def ping(client: AsyncMongoClient[Document], timeout: float = 2.0) -> bool:
    try:
        await asyncio.wait_for(client.admin.command("ping"), timeout)
        return True
    except (TimeoutError, ConnectionFailure, OperationFailure):
        return False
    except PyMongoError:
        return False


def strip_id(doc: Document | None, keep: Iterable[str] = ()) -> Document | None:
    if doc is None:
        return None
    out = {k: v for k, v in doc.items() if k != "_id" or "_id" in keep}
    return out
