"""infra/stack.py, the command line the Makefile calls: standard library only, ports moved as asked."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _stack(*args: str, offset: str | None = None, isolated: bool = False) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("TADAMON_PORT_OFFSET", "PYTHONPATH")}
    if offset is not None:
        env["TADAMON_PORT_OFFSET"] = offset
    # -S: no site-packages, as before `make venv` installed anything.
    flags = ["-S"] if isolated else []
    return subprocess.run([sys.executable, *flags, str(ROOT / "infra" / "stack.py"), *args], cwd="/",
                          env=env, capture_output=True, text=True, timeout=60)


def test_status_runs_without_site_packages_and_shows_the_usual_ports() -> None:
    result = _stack("status", isolated=True)
    assert result.returncode == 0, result.stderr
    ports = {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines()}
    assert ports == {"kafka": 9092, "mongo": 27017, "smtp": 8025, "registration": 8001, "agenda": 8002,
                     "recommendations": 8003, "marketplace": 8004, "accounts": 8005}


def test_port_offset_moves_every_port_of_the_stack() -> None:
    result = _stack("status", offset="20000")
    assert result.returncode == 0, result.stderr
    ports = [int(line.split()[1]) for line in result.stdout.splitlines()]
    assert ports == [29092, 47017, 28025, 28001, 28002, 28003, 28004, 28005]


def test_a_port_offset_that_is_not_a_small_whole_number_is_refused() -> None:
    for bad in ("-5", "abc", "60000"):
        result = _stack("status", offset=bad)
        assert result.returncode == 1
        assert "TADAMON_PORT_OFFSET" in result.stderr and result.stdout == ""
