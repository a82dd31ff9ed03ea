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


def local_mongo_url(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?{LOCAL_MONGO_OPTIONS}"


def start_mongo(state_dir: Path, port: int, *, pidfile: Path | None = None, log: Path | None = None,
                timeout: float = 60.0, sync_on_commit: bool = False) -> int:
    """Start SecantusDB (a MongoDB-protocol server, single-node replica set) and return its PID once it answers ping.

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
    argv = [processes.project_python(), "-m", "infra.secantus_server", "--host", "127.0.0.1", "--port", str(port),
            "--storage-path", str(state_dir / "data"), "--cache-size", "256M",
            *(["--sync-on-commit"] if sync_on_commit else [])]
    proc = processes.spawn(argv, log=log, pidfile=pidfile, cwd=state_dir, env=_with_project_path())
    processes.wait_ready(proc, "SecantusDB", log=log, pidfile=pidfile, ready=lambda: probes.mongo_ready(port),
                         timeout=timeout)
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
