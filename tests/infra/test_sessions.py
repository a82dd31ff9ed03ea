"""The local database server keeps its bookkeeping of sessions as short as MongoDB keeps it.

Each check drives the server's own transaction registry through its public methods, with a
clock of its own, in a Python process of its own (the change is for the life of a process).
"""

from support import LAUNCH_LOCAL_DATABASE, run_python

SETUP = """
    from secantus.transactions import TransactionRegistry
    from infra.sessions import keep_session_bookkeeping_short

    keep_session_bookkeeping_short()
    clock = [1_000.0]
    registry = TransactionRegistry(time_func=lambda: clock[0], lifetime_seconds=60.0)

    def committed(lsid, number):
        txn, error = registry.for_statement(lsid, None, number, start=True)
        assert error is None, error
        assert registry.commit(lsid, number) is None

    def known(lsid, number):
        # Committing again is answered "ok" while the transaction is remembered.
        reply = registry.commit(lsid, number)
        return "known" if reply is None else reply["codeName"]
"""


def test_an_ended_session_is_forgotten_and_one_still_open_is_not() -> None:
    ended, still_open = run_python(SETUP + """
    committed(b"a" * 16, 1)
    committed(b"b" * 16, 1)
    registry.abort_for_session(b"a" * 16)  # endSessions
    print(known(b"a" * 16, 1), known(b"b" * 16, 1))
    """)
    assert (ended, still_open) == ("NoSuchTransaction", "known")


def test_a_session_idle_for_half_an_hour_is_forgotten_and_an_expired_transaction_still_aborted() -> None:
    at_29_min, at_31_min, expired_in_progress, ongoing = run_python(SETUP + """
    committed(b"idle" * 4, 1)
    clock[0] += 29 * 60
    committed(b"x" * 16, 1)  # a statement runs the sweep
    print(known(b"idle" * 4, 1))
    clock[0] += 2 * 60
    stalled, _ = registry.for_statement(b"s" * 16, None, 1, start=True)
    print(known(b"idle" * 4, 1))
    clock[0] += 61  # past the stalled transaction's lifetime
    registry.for_statement(b"y" * 16, None, 1, start=True)
    print(stalled.state.value, len(registry))
    """)
    assert at_29_min == "known"
    assert at_31_min == "NoSuchTransaction"
    # The one left in progress past its 60 s was aborted by the next sweep; the newest is in progress.
    assert (expired_in_progress, ongoing) == ("aborted", "1")


def test_retryable_write_records_are_found_and_expire_after_half_an_hour() -> None:
    found_at_once, found_later, expired, newest = run_python(SETUP + """
    reply = {"ok": 1.0, "n": 1}
    for number in range(1, 1_001):
        registry.record_retryable(b"r" * 16, number, b"insert", reply)
    print(registry.retryable_reply(b"r" * 16, 1_000, b"insert") == reply)
    clock[0] += 29 * 60
    print(registry.retryable_reply(b"r" * 16, 1, b"insert") == reply)
    clock[0] += 2 * 60
    registry.record_retryable(b"r" * 16, 1_001, b"insert", reply)
    print(registry.retryable_reply(b"r" * 16, 1, b"insert") is None,
          registry.retryable_reply(b"r" * 16, 1_001, b"insert") == reply)
    """)
    assert (found_at_once, found_later, expired, newest) == ("True", "True", "True", "True")


def test_the_local_database_launcher_turns_it_on() -> None:
    [kept_short] = run_python(LAUNCH_LOCAL_DATABASE + """
    from secantus.transactions import TransactionRegistry

    print(getattr(TransactionRegistry, "_kept_short", False))
    """)
    assert kept_short == "True"
