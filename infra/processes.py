"""Processes of the stack: started in their own session, recorded in a PID file with their
command line and start time, and stopped through that record only, never by name."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from infra import ROOT

# Popen objects of the processes this interpreter started: stop_pid reaps them, so
# a stopped child does not linger as a zombie (and Popen does not warn at exit).
_children: dict[int, subprocess.Popen[bytes]] = {}


def project_python() -> str:
    """The project's virtualenv interpreter if there is one, else this one."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.is_file() else sys.executable


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks) from /proc, or None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    return fields[0], int(fields[19])


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")[:-1]


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    if pid in _children:
        return _children[pid].poll() is None
    if Path("/proc").is_dir():
        stat = _proc_stat(pid)
        return stat is not None and stat[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pidfile(pidfile: Path) -> tuple[int, dict[str, object]] | None:
    try:
        lines = pidfile.read_text().splitlines()
        return int(lines[0]), (json.loads(lines[1]) if len(lines) > 1 else {})
    except (OSError, ValueError, IndexError):
        return None


def _write_pidfile(pidfile: Path, pid: int, argv: list[str]) -> None:
    stat = _proc_stat(pid)
    record = {"argv": argv, "start_ticks": stat[1] if stat else None}
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    partial = pidfile.with_name(pidfile.name + ".part")
    partial.write_text(f"{pid}\n{json.dumps(record)}\n")
    os.replace(partial, pidfile)


def _is_ours(pid: int, record: dict[str, object]) -> bool:
    """The live process with this PID is the one recorded: same start time, same arguments.

    A PID is reused once its process is gone; without this check a stale PID file
    could make us signal an unrelated process.
    """
    if not alive(pid):
        return False
    argv = record.get("argv")
    if not isinstance(argv, list) or not argv:
        return False
    stat, cmdline = _proc_stat(pid), _cmdline(pid)
    if stat is None or cmdline is None:  # no /proc (macOS): compare what ps shows
        shown = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True).stdout
        return " ".join(str(a) for a in argv[1:]) in shown
    if record.get("start_ticks") not in (None, stat[1]):
        return False
    # Compare the arguments only: a script's shebang puts its interpreter in front.
    args = [str(a) for a in argv[1:]]
    return cmdline[len(cmdline) - len(args):] == args if args else True


def running_pid(pidfile: Path) -> int | None:
    """The PID recorded in ``pidfile`` if that very process still runs; a stale file is removed."""
    found = _read_pidfile(pidfile)
    if found is None:
        return None
    pid, record = found
    if _is_ours(pid, record):
        return pid
    pidfile.unlink(missing_ok=True)
    return None


def _signal_group(pid: int, signum: int) -> None:
    # Processes start in their own session: signalling the group also reaches their children.
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            _children.pop(pid, None)
            return True
        time.sleep(0.1)
    return False


def stop_pid(pidfile: Path, timeout: float = 15) -> bool:
    """SIGTERM the process recorded in ``pidfile`` (if it is still the one we started),
    SIGKILL it after ``timeout`` seconds, remove the file. True if a process was stopped."""
    pid = running_pid(pidfile)
    if pid is None:
        pidfile.unlink(missing_ok=True)
        return False
    _signal_group(pid, signal.SIGTERM)
    if not _wait_gone(pid, timeout):
        _signal_group(pid, signal.SIGKILL)
        _wait_gone(pid, 10)
    pidfile.unlink(missing_ok=True)
    return True


def spawn(argv: list[str], *, log: Path, pidfile: Path, cwd: Path | None = None,
          env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a session of its own, its output appended to ``log``, recorded in ``pidfile``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(argv)}\n".encode())
        out.flush()
        # A new session: Ctrl-C in the terminal that ran `make run` does not reach it,
        # and stop_pid can signal the whole group.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=cwd, env=env, start_new_session=True)
    _children[proc.pid] = proc
    _write_pidfile(pidfile, proc.pid, argv)
    return proc


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_ready(proc: subprocess.Popen[bytes], name: str, *, log: Path, pidfile: Path,
               ready: Callable[[], bool], timeout: float) -> None:
    """Poll ``ready`` until it holds; if the process dies or time runs out, stop it and say why."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _children.pop(proc.pid, None)
            pidfile.unlink(missing_ok=True)
            raise RuntimeError(f"{name} exited with code {proc.returncode} while starting; "
                               f"last lines of {log}:\n{tail(log)}")
        if ready():
            return
        time.sleep(0.2)
    stop_pid(pidfile)
    raise TimeoutError(f"{name} was not ready after {timeout:.0f} s; last lines of {log}:\n{tail(log)}")
