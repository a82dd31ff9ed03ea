"""The command line of the local stack: ``python infra/stack.py CMD``, as ``make run``,
``make stop``, ``make reset``, ``make status``, ``make token``, ``make keys`` and ``make kafka-libs`` call it.

Argument parsing and dispatch only; the work is in the other modules of ``infra``. Runs
with the standard library alone (``make kafka-libs`` comes before the virtualenv).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: import ``infra`` from the project root, not modules beside this file.
    _root = str(Path(__file__).resolve().parent.parent)
    sys.path[:] = [_root, *(entry for entry in sys.path[1:] if entry != _root)]

from infra import ROOT, keys, local_stack  # noqa: E402
from infra.kafka_broker import ensure_kafka_libs  # noqa: E402


def _commands() -> dict[str, Callable[[], object]]:
    return {
        "kafka-libs": lambda: print(ensure_kafka_libs(ROOT)),
        "up": local_stack.up,
        "services-up": local_stack.services_up,
        "demo": local_stack.demo,
        "keys": keys.make_keys,
        # SCOPES="organizer:conference:conf-6 staff:market:mkt-1" make token: a token with those rights only.
        "token": lambda: print(keys.organizer_token(scopes=os.environ.get("SCOPES", "").split())),
        "summary": local_stack.summary,
        "down": local_stack.down,
        "reset": local_stack.reset,
        "status": local_stack.status,
    }


def main(argv: list[str] | None = None) -> int:
    commands = _commands()
    parser = argparse.ArgumentParser(prog="python infra/stack.py", description="Run the local Tadamon stack.")
    parser.add_argument("command", choices=list(commands))
    args = parser.parse_args(argv)
    try:
        commands[args.command]()
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
