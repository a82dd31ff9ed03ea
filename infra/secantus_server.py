"""Run SecantusDB, the local MongoDB-protocol server, with the settings the platform needs.

Its own command (``secantusd-py``) reads the TTL sweep interval from its configuration file
but does not pass it to the server, so the server is started here through its Python API.

The server expires documents by reading every document of every collection with a TTL
index while it holds its write lock: once the outboxes and the processed-message markers
hold 100,000 entries each, every request waits up to 5 s, once a minute at its default. The
platform's TTLs are days long (sent outbox entries and markers 400 days, finished jobs 7)
and no code counts on a document being gone (a sign-in challenge checks its own expiry), so
the local server sweeps once a day. MongoDB deletes through the TTL index itself (deploy/).

The server is one Python process whose heap of long-lived objects grows as it serves (about
a million objects within minutes of 100 registrations a second). Its full garbage
collections took 50 ms at first, then longer and longer up to 680 ms, a few times a minute,
every request waiting; the survivors of each are now frozen (``infra.heap``): about 50 ms
each under the same load.

It also kept the transaction state of every session it had seen, and the reply of every
retryable write for 30 minutes, walking them all on each statement: its bookkeeping of
sessions is kept as short as MongoDB keeps it (``infra.sessions``).

Its writes read the list of a collection's indexes at every step and its updates rewrote
every index entry of the document, changed or not: a write now reads the list once
(``infra.index_catalog``) and an update rewrites only the indexes whose keys changed
(``infra.index_updates``). It trimmed its oplog inside whichever client's write appended the
thousandth entry, which could fail another client's commit: it now trims from its periodic
no-op, written every second (``infra.oplog``).

    python -m infra.secantus_server --port 27017 --storage-path DIR [--cache-size 256M] [--sync-on-commit]
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from secantus.server import SecantusDBServer

from infra.heap import freeze_survivors_of_full_collections
from infra.index_catalog import read_index_lists_once_per_write
from infra.index_updates import update_only_changed_index_entries
from infra.oplog import HEARTBEAT_SECONDS, trim_oplog_apart
from infra.sessions import keep_session_bookkeeping_short

TTL_SWEEP_SECONDS = 86_400.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.secantus_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--storage-path", required=True)
    parser.add_argument("--cache-size", default="256M")
    parser.add_argument("--ttl-sweep-seconds", type=float, default=TTL_SWEEP_SECONDS)
    # Each commit's journal record written to disk before the answer: what a journaled MongoDB
    # guarantees. Without it the server may lose its last commits when killed (SIGKILL).
    parser.add_argument("--sync-on-commit", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # As the server's own command starts it: a single-node replica set (change streams
    # and transactions), without the test-only commands.
    server = SecantusDBServer(
        host=args.host, port=args.port, storage_path=args.storage_path, replica_set_name="secantus",
        enable_test_commands=False, cache_size=args.cache_size, ttl_sweep_seconds=args.ttl_sweep_seconds,
        sync_on_commit=args.sync_on_commit, noop_heartbeat_seconds=HEARTBEAT_SECONDS,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    freeze_survivors_of_full_collections()
    keep_session_bookkeeping_short()
    read_index_lists_once_per_write()
    update_only_changed_index_entries()
    trim_oplog_apart()
    server.start()
    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
