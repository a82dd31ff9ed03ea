"""The local database server trims its oplog from a thread of its own, never inside a client's write.

SecantusDB (0.7) trims the oldest oplog entries (past its entry cap or its retention) every
1,000 entries, from whichever write appended the thousandth: inside that write's own
transaction, a client's commit included. The rows it removes stay uncommitted until that
transaction commits. When a second write reaches the next thousand before that, it tries to
remove the same rows, WiredTiger refuses (a conflict between concurrent operations), the
refusal is swallowed, and the second write's commit then fails as an internal error. Seen once in a full
benchmark run: one offline batch of 25 scans answered 500 while fifty scanners synced at once.

MongoDB trims its oplog from a background thread. Here the same: a write that reaches the
thousand only notes that a trim is due, and the server's periodic no-op (written every
``HEARTBEAT_SECONDS`` from its own thread, as MongoDB writes one every ten seconds) trims it
right after, outside any client's transaction. The oplog may then hold up to a second's
entries past its cap.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from secantus.storage import Storage

HEARTBEAT_SECONDS = 1.0


def trim_oplog_apart() -> None:
    """Change how every ``Storage`` of this process trims its oplog (idempotent).

    The server must be started with ``noop_heartbeat_seconds=HEARTBEAT_SECONDS``."""
    if getattr(Storage, "_oplog_trimmed_apart", False):
        return
    trim: Callable[..., int] = Storage._prune_oplog_locked
    heartbeat: Callable[[Any], int] = Storage.emit_noop_heartbeat

    def prune_oplog_locked(self: Any, *, now: float | None = None) -> int:
        if sys._getframe(1).f_code.co_name == "_emit_oplog":  # a write appended the thousandth entry
            self._oplog_trim_due = True
            return 0
        return trim(self, now=now)

    def emit_noop_heartbeat(self: Any) -> int:
        seq = heartbeat(self)
        if getattr(self, "_oplog_trim_due", False):
            self._oplog_trim_due = False
            self.prune_oplog()
        return seq

    Storage._prune_oplog_locked = prune_oplog_locked
    Storage.emit_noop_heartbeat = emit_noop_heartbeat
    Storage._oplog_trimmed_apart = True
