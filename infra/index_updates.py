"""The local database server's updates write only the index entries whose keys changed.

SecantusDB (0.7) rewrites a document's entries in every index of its collection on each
update: it removes them all (and gives back its unique keys), writes the new document, then
writes them all again (and claims its unique keys again), even when the update changed no
indexed field. A check-in sets five fields of a registration, none of them indexed, and
rewrote the entries of its five indexes all the same: on the running stack the update of
registrations was the largest part of the database's CPU during live scans.

MongoDB leaves an index alone when an update does not change that index's keys for the
document. Here the same: the removal an update asks for first is held back until the new
document's entries are written; then, index by index, the keys the old and the new document
contribute are compared, and only the indexes where they differ are rewritten, the old
entries removed and the new ones written as before. An index whose partial filter neither
document matches holds no entry of it and is left alone. Geo indexes are always rewritten.

Only the two update paths of the storage are changed, recognised by the name of the method
that asks; every other removal of entries (deletes, TTL, capped collections) runs at once, as
before. The held-back removal belongs to the thread that runs the update, and is dropped by
the next write of entries, whichever it is.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from secantus import storage

# The storage's methods that remove a document's entries and then write the updated document's.
UPDATE_PATHS = frozenset({"_update_chunk", "_update_matching_single_txn"})

Index = tuple[str, dict[str, Any], bool, bool]  # name, key spec, sparse, unique: as the storage lists them

_held = threading.local()


def _keys_differ(index: Index, before: Mapping[str, Any], after: Mapping[str, Any],
                 partials: Mapping[str, Any], options: Mapping[str, Any]) -> bool:
    name, key_spec, sparse, _unique = index
    if storage._geo_type_of(key_spec) is not None:
        return True
    partial = partials.get(name)
    if partial is not None:
        was_in, is_in = bool(storage.matches(before, partial)), bool(storage.matches(after, partial))
        if was_in != is_in:
            return True
        if not was_in:
            return False
    collation = storage._parse_index_collation(options.get(name, {}).get("collation"))
    old: list[bytes] = storage._index_key_variants(before, key_spec, sparse=sparse, collation=collation)
    new: list[bytes] = storage._index_key_variants(after, key_spec, sparse=sparse, collation=collation)
    return old != new


def update_only_changed_index_entries() -> None:
    """Change how every ``Storage`` of this process updates index entries (idempotent)."""
    if getattr(storage.Storage, "_only_changed_entries", False):
        return
    remove: Callable[..., None] = storage.Storage._delete_index_entries
    write: Callable[..., None] = storage.Storage._write_index_entries

    def delete_index_entries(self: Any, db: str, coll: str, doc: dict[str, Any], indexes: list[Index],
                             partials: dict[str, Any] | None = None, *, recordid: int) -> None:
        if sys._getframe(1).f_code.co_name in UPDATE_PATHS:
            _held.removal = (db, coll, recordid, doc)
            return
        remove(self, db, coll, doc, indexes, partials, recordid=recordid)

    def write_index_entries(self: Any, db: str, coll: str, doc: dict[str, Any], indexes: list[Index],
                            partials: dict[str, Any] | None = None, *, recordid: int) -> None:
        held, _held.removal = getattr(_held, "removal", None), None
        if held is None or held[:3] != (db, coll, recordid) or sys._getframe(1).f_code.co_name not in UPDATE_PATHS:
            write(self, db, coll, doc, indexes, partials, recordid=recordid)
            return
        before = held[3]
        if partials is None:
            partials = self._partial_filters(db, coll)
        options = self._index_options_map(db, coll)
        changed = [index for index in indexes if _keys_differ(index, before, doc, partials, options)]
        if changed:
            remove(self, db, coll, before, changed, partials, recordid=recordid)
            write(self, db, coll, doc, changed, partials, recordid=recordid)

    storage.Storage._delete_index_entries = delete_index_entries
    storage.Storage._write_index_entries = write_index_entries
    storage.Storage._only_changed_entries = True
