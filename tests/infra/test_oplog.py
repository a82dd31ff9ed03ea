"""The local database server trims its oplog from its own periodic no-op, never inside a client's write.

Each check drives the server's own storage in a Python process of its own (the change is for
the life of a process).
"""

from support import LAUNCH_LOCAL_DATABASE, run_python

SETUP = """
    from secantus.storage import Storage

    from infra.oplog import trim_oplog_apart

    trim_oplog_apart()
    db = Storage(":memory:", oplog_max_entries=100)
"""


def test_a_write_past_the_thousandth_entry_trims_nothing_and_the_next_no_op_trims_to_the_cap() -> None:
    after_writes, after_transaction, after_no_op, still_there = run_python(SETUP + """
    for i in range(1_200):
        db.insert("d", "c", [{"_id": i}])
    print(db._oplog_live_count)
    # A client's transaction whose commit appends the entries past the next thousand.
    handle = db.begin_user_transaction()
    with db.use_user_transaction(handle):
        db.insert("d", "c", [{"_id": 10_000 + i} for i in range(900)])
    db.commit_user_transaction(handle)
    print(db._oplog_live_count)
    db.emit_noop_heartbeat()
    print(db._oplog_live_count, db.count_matching("d", "c", None))
    """)
    # Before, the 1,000th write trimmed the oplog to its cap of 100 inside its own transaction.
    assert (after_writes, after_transaction) == ("1200", "2100")
    assert (after_no_op, still_there) == ("100", "2100")


def test_the_local_database_launcher_turns_it_on_and_writes_a_no_op_every_second() -> None:
    on, seconds = run_python(LAUNCH_LOCAL_DATABASE + """
    from secantus.storage import Storage

    print(getattr(Storage, "_oplog_trimmed_apart", False), launcher.SecantusDBServer.options["noop_heartbeat_seconds"])
    """)
    assert (on, seconds) == ("True", "1.0")
