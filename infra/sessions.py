"""The local database server's bookkeeping of sessions, kept as short as MongoDB keeps it.

SecantusDB (0.7) keeps, for every session that ever ran a transaction, its last transaction,
even once the session has ended, and walks all of them on every statement of a transaction
and every commit (to abort those idle past their lifetime). On a scratch server each 1,000
sessions seen added about 1 ms of its CPU to every later transaction of two statements: 0.8,
1.8 and 2.7 ms after 0, 1,000 and 2,000 ended sessions. Every process that connects brings
its own sessions, and the tests start thousands.

It also keeps the reply of every retryable write (any write outside a transaction) for 30
minutes, up to 10,000 of them, and walks them all on every retryable write: an insert cost
0.4 ms of its CPU, then 0.6, 1.0, 2.6 and 3.1 ms after 3,000, 6,000, 9,000 and 12,000
writes (0.3 ms without retries, all along).

MongoDB drops a session's transaction state when the session ends, reaps sessions idle for
30 minutes, and aborts transactions past their lifetime from a periodic sweep. Here the same:

- ending a session (``endSessions``, sent by a driver that closes) drops its state;
- the sweep of transactions past their lifetime runs at most once a second, not on every
  statement; it also drops the finished transactions of sessions idle for 30 minutes
  (processes that stopped without ending theirs);
- retryable-write records past their 30 minutes are swept at most once every 5 seconds. A
  lookup finds a record by its key directly; a record may outlive its 30 minutes by those
  seconds, which changes no answer a retry gets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from secantus.transactions import TransactionRegistry, TxnState

SESSION_IDLE_SECONDS = 30 * 60.0
LIFETIME_SWEEP_SECONDS = 1.0
RETRYABLE_SWEEP_SECONDS = 5.0


def keep_session_bookkeeping_short() -> None:
    """Change how every ``TransactionRegistry`` of this process keeps sessions (idempotent)."""
    if getattr(TransactionRegistry, "_kept_short", False):
        return
    end_session: Callable[[Any, bytes], None] = TransactionRegistry.abort_for_session
    sweep_lifetimes: Callable[[Any], int] = TransactionRegistry._prune_locked
    sweep_retryable: Callable[[Any], None] = TransactionRegistry._prune_retryable_locked

    def abort_for_session(self: Any, lsid_bytes: bytes) -> None:
        end_session(self, lsid_bytes)
        with self._lock:
            self._txns.pop(lsid_bytes, None)
            self._last_number.pop(lsid_bytes, None)

    def prune_locked(self: Any) -> int:
        # Called with the registry's lock held, as the original is.
        now = self._time()
        if now - getattr(self, "_lifetimes_swept_at", float("-inf")) < LIFETIME_SWEEP_SECONDS:
            return 0
        self._lifetimes_swept_at = now
        reaped = sweep_lifetimes(self)
        idle_since = now - SESSION_IDLE_SECONDS
        for lsid in [lsid for lsid, txn in self._txns.items()
                     if txn.state is not TxnState.IN_PROGRESS and txn.last_use < idle_since]:
            del self._txns[lsid]
        return reaped

    def prune_retryable_locked(self: Any) -> None:
        now = self._time()
        if now - getattr(self, "_retryable_swept_at", float("-inf")) < RETRYABLE_SWEEP_SECONDS:
            return
        self._retryable_swept_at = now
        sweep_retryable(self)

    TransactionRegistry.abort_for_session = abort_for_session
    TransactionRegistry._prune_locked = prune_locked
    TransactionRegistry._prune_retryable_locked = prune_retryable_locked
    TransactionRegistry._kept_short = True
