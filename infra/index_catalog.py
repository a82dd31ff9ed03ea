"""The local database server reads a collection's list of indexes once per write, not once per step.

SecantusDB (0.7) keeps the list of a collection's indexes in a table of its own and reads it
again, decoding every index's description, each time a step of a write needs it: the
indexes to write, their partial filters, their options, the unique ones, the geo ones, the
multikey ones. An update of one document read it seven times, an insert three times per document.
On the running stack these reads were an eighth of the database's CPU during live scans.

A write of a collection holds that collection's lock from its first read of the documents to
its commit, and every change of its indexes (create, drop, options) takes the same lock, so
the list cannot change under it. Here a write's steps share one reading: while a thread runs
one of the storage's writes and holds the collection's lock, the list is read once and kept
until the write returns. It is read again when any change of a list or of a collection began
or ended since (a write retried after a conflict lets go of the lock in between), and when a
step of the write changed it itself: creating the collection (a first insert), marking an
index multikey.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from secantus import storage

# The storage's writes, each run while it holds the collection's lock.
WRITES = ("_insert_chunk", "_update_matching_chunked", "_update_matching_single_txn", "_delete_matching_chunked",
          "_delete_matching_single_txn")
# Its changes of the lists of indexes, and of the collections that hold them.
CHANGES = ("create_index", "drop_index", "drop_all_indexes", "set_index_expiry", "set_index_options",
           "drop_collection", "drop_database", "rename_collection")

Entry = tuple[str, dict[str, Any], dict[str, Any]]  # name, key spec, options: as the storage lists them
Kept = dict[tuple[Any, str, str], tuple[int, list[Entry]]]  # (storage, db, coll): (changes seen, list)

_kept = threading.local()  # .lists: what this thread's write has read, while it runs; else None
_changes = [0]  # changes of any list begun or ended, in this process
_counting = threading.Lock()  # two threads' counts never overwrite each other: the count only grows


def _count_change() -> None:
    with _counting:
        _changes[0] += 1


def _lists() -> Kept | None:
    return getattr(_kept, "lists", None)


def _changing(method: Callable[..., Any]) -> Callable[..., Any]:
    # Counted as it begins and as it ends: a write whose list was read before either reads it again.
    # A write that retries after a conflict has let go of the collection's lock in between.
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        _count_change()
        try:
            return method(*args, **kwargs)
        finally:
            _count_change()
    return run


def _within_write(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: Any, db: str, coll: str, *args: Any, **kwargs: Any) -> Any:
        if _lists() is not None:
            return method(self, db, coll, *args, **kwargs)
        _kept.lists = {}
        try:
            return method(self, db, coll, *args, **kwargs)
        finally:
            _kept.lists = None
    return run


def _forget(storage_: Any, db: str, coll: str) -> None:
    lists = _lists()
    if lists is not None:
        lists.pop((storage_, db, coll), None)


def _creating(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: Any, db: str, coll: str) -> Any:
        try:
            return method(self, db, coll)
        finally:
            _forget(self, db, coll)
    return run


def _marking(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: Any, db: str, coll: str, doc: Any, indexes: Any, already_multikey: set[str]) -> set[str]:
        known = len(already_multikey)
        try:
            marked: set[str] = method(self, db, coll, doc, indexes, already_multikey)
        except BaseException:
            _forget(self, db, coll)
            raise
        if len(marked) != known:  # an index found or marked multikey: its description may have changed
            _forget(self, db, coll)
        return marked
    return run


def read_index_lists_once_per_write() -> None:
    """Change how every ``Storage`` of this process reads its index lists during a write (idempotent)."""
    if getattr(storage.Storage, "_index_lists_kept", False):
        return
    read: Callable[[Any, str, str], Iterator[Entry]] = storage.Storage._iter_indexes

    def iter_indexes(self: Any, db: str, coll: str) -> Iterator[Entry]:
        lists = _lists()
        if lists is None or not self._coll_lock(db, coll)._is_owned():
            return read(self, db, coll)
        seen = _changes[0]
        kept = lists.get((self, db, coll))
        if kept is None or kept[0] != seen:
            kept = lists[(self, db, coll)] = (seen, list(read(self, db, coll)))
        return iter(kept[1])

    storage.Storage._iter_indexes = iter_indexes
    for name in WRITES:
        setattr(storage.Storage, name, _within_write(getattr(storage.Storage, name)))
    for name in CHANGES:
        setattr(storage.Storage, name, _changing(getattr(storage.Storage, name)))
    storage.Storage._ensure_collection = _creating(storage.Storage._ensure_collection)
    storage.Storage._maybe_mark_multikey = _marking(storage.Storage._maybe_mark_multikey)
    storage.Storage._index_lists_kept = True
