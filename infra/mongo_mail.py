"""SecantusDB (a MongoDB-protocol server, single-node replica set) and the mail sink
(infra/mailsink.py) for the local stack and the tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from infra import ROOT, probes, processes

# The local server is a single node; retryable writes (the driver's default) cost it about
# 50 ms of CPU each against under 1 ms without (it re-sorts its table of recent ones on every
# write), and the relays' lease renewals and the mailer's claims are such writes. Every one of
# them is repeated by its own loop when it fails, so locally they go without. Deployments on
# MongoDB replica sets keep the default (deploy/).
LOCAL_MONGO_OPTIONS = "directConnection=true&retryWrites=false"
AIOSMTPD = "aiosmtpd==1.4.6"
# SecantusDB reads the key of every stored document before it answers (it rebuilds its record
# counter from them), so a store grown by many benchmark runs takes a while to open: 55 s for
# 4.6 GB on a 2-core machine. The launcher waits a minute, and half a minute more per GiB stored.
OPEN_SECONDS = 60.0
OPEN_SECONDS_PER_GIB = 30.0


def local_mongo_url(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?{LOCAL_MONGO_OPTIONS}"


def stored_bytes(folder: Path) -> int:
    """The size of the files under ``folder`` (0 when there is none)."""
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:  # removed meanwhile
            continue
    return total


def open_timeout(data: Path) -> float:
    """How long SecantusDB may take to open the store in ``data`` (see OPEN_SECONDS)."""
    return OPEN_SECONDS + OPEN_SECONDS_PER_GIB * stored_bytes(data) / 2**30


def start_mongo(state_dir: Path, port: int, *, pidfile: Path | None = None, log: Path | None = None,
                timeout: float | None = None, sync_on_commit: bool = False) -> int:
    """Start SecantusDB (a MongoDB-protocol server, single-node replica set) and return its PID once it answers ping.

    ``timeout``: how long to wait for it; by default, as long as its store may take to open.
    ``sync_on_commit``: every commit on disk before it is answered, as a journaled MongoDB does (slower);
    without it, a server killed hard may lose its last commits."""
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    pidfile = pidfile or state_dir / "mongo.pid"
    log = log or state_dir / "mongo.log"
    if (pid := processes.running_pid(pidfile)) is not None:
        raise RuntimeError(f"SecantusDB already runs with PID {pid} (recorded in {pidfile})")
    probes.ensure_port_free(port, "SecantusDB")
    # Started through its Python API (infra/secantus_server.py), for the settings its command ignores.
    data = state_dir / "data"
    argv = [processes.project_python(), "-m", "infra.secantus_server", "--host", "127.0.0.1", "--port", str(port),
            "--storage-path", str(data), "--cache-size", "256M",
            *(["--sync-on-commit"] if sync_on_commit else [])]
    proc = processes.spawn(argv, log=log, pidfile=pidfile, cwd=state_dir, env=_with_project_path())
    processes.wait_ready(proc, "SecantusDB", log=log, pidfile=pidfile, ready=lambda: probes.mongo_ready(port),
                         timeout=open_timeout(data) if timeout is None else timeout)
    return proc.pid


def _with_project_path() -> dict[str, str]:
    """This environment, with the project's root on the module path (``python -m infra....``)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _ensure_aiosmtpd(python: str) -> None:
    if subprocess.run([python, "-c", "import aiosmtpd"], capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "-q", AIOSMTPD], check=True)


def start_smtp(state_dir: Path, port: int, *, pidfile: Path | None = None, log: Path | None = None,
               mail_dir: Path | None = None, timeout: float = 30.0) -> int:
    """Start the mail sink (infra/mailsink.py); mails land in ``mail_dir`` (default state_dir/mail)."""
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    pidfile = pidfile or state_dir / "smtp.pid"
    log = log or state_dir / "smtp.log"
    mail_dir = (mail_dir or state_dir / "mail").resolve()
    if (pid := processes.running_pid(pidfile)) is not None:
        raise RuntimeError(f"the mail sink already runs with PID {pid} (recorded in {pidfile})")
    probes.ensure_port_free(port, "the mail sink")
    python = processes.project_python()
    _ensure_aiosmtpd(python)
    argv = [python, "-m", "infra.mailsink", "--port", str(port), "--dir", str(mail_dir)]
    proc = processes.spawn(argv, log=log, pidfile=pidfile, cwd=ROOT, env=_with_project_path())
    processes.wait_ready(proc, "mail sink", log=log, pidfile=pidfile, ready=lambda: probes.smtp_ready(port),
                         timeout=timeout)
    return proc.pid
