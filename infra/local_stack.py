"""The stack ``make run`` starts, on fixed ports: Kafka, SecantusDB, the mail sink, the services
and their demo data. Everything lives under ``<root>/.local/``; whatever already runs is kept,
and ``down`` stops only what is recorded there."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from infra import ROOT, keys, mongo_mail, probes, processes
from infra.kafka_broker import ensure_kafka_libs, start_kafka
from infra.mongo_mail import local_mongo_url, start_mongo, start_smtp


def _port_offset() -> int:
    """TADAMON_PORT_OFFSET moves every port of the stack by that much (default 0), so a second
    checkout on the same machine can run its own stack beside the first one."""
    raw = os.environ.get("TADAMON_PORT_OFFSET", "").strip() or "0"
    if not raw.isdigit() or int(raw) > 50_000:
        raise SystemExit(f"TADAMON_PORT_OFFSET must be a whole number from 0 to 50000, not {raw[:20]!r}")
    return int(raw)


PORT_OFFSET = _port_offset()
KAFKA_PORT, KAFKA_CONTROLLER_PORT = 9092 + PORT_OFFSET, 9093 + PORT_OFFSET
MONGO_PORT, SMTP_PORT = 27017 + PORT_OFFSET, 8025 + PORT_OFFSET
SERVICES = {name: port + PORT_OFFSET for name, port in
            {"registration": 8001, "agenda": 8002, "recommendations": 8003, "marketplace": 8004,
             "accounts": 8005}.items()}
ACCOUNTS_URL = f"http://127.0.0.1:{SERVICES['accounts']}"
DEMO_ADMIN_EMAIL = "organisateur@tadamon.ma"


def local_dir(root: Path = ROOT) -> Path:
    return root / ".local"


def pidfile(name: str, root: Path = ROOT) -> Path:
    return local_dir(root) / "pids" / f"{name}.pid"


def logfile(name: str, root: Path = ROOT) -> Path:
    return local_dir(root) / "logs" / f"{name}.log"


def up(root: Path = ROOT) -> None:
    """Kafka on 9092/9093, SecantusDB on 27017, the mail sink on 8025 (plus TADAMON_PORT_OFFSET);
    whatever already runs is kept."""
    local = local_dir(root)
    starters: list[tuple[str, Callable[[Path, Path], int]]] = [
        ("kafka", lambda pid_path, log: start_kafka(local / "kafka", KAFKA_PORT, KAFKA_CONTROLLER_PORT,
                                                    ensure_kafka_libs(root), pidfile=pid_path, log=log)),
        ("mongo", lambda pid_path, log: start_mongo(local / "mongo", MONGO_PORT, pidfile=pid_path, log=log)),
        ("smtp", lambda pid_path, log: start_smtp(local / "smtp", SMTP_PORT, pidfile=pid_path, log=log,
                                                  mail_dir=local / "mail")),
    ]
    for name, start in starters:
        pid_path = pidfile(name, root)
        if (pid := processes.running_pid(pid_path)) is not None:
            print(f"{name}: already running (PID {pid})")
            continue
        if name == "mongo" and (size := mongo_mail.stored_bytes(local / "mongo" / "data")) >= 2**30:
            print(f"mongo: opening {size / 2**30:.1f} GiB of stored data (`make reset` starts afresh)")
        began = time.monotonic()
        pid = start(pid_path, logfile(name, root))
        print(f"{name}: started (PID {pid}) in {time.monotonic() - began:.1f} s")


def service_env(root: Path, name: str) -> dict[str, str]:
    port, key_dir = SERVICES[name], keys.keys_dir(root)
    env = {
        "SERVICE_NAME": name,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MONGO_URL": local_mongo_url(MONGO_PORT),
        "MONGO_DB": f"tadamon_{name}",
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{KAFKA_PORT}",
        "JWT_PUBLIC_KEY_FILE": str(key_dir / "jwt_public.pem"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(SMTP_PORT),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # One process per service: its own commits wake its relay (see ``outbox_watch``).
        "OUTBOX_WATCH": "false",
        # Where the organizer consoles link to each other.
        **{f"{other.upper()}_URL": f"http://127.0.0.1:{other_port}" for other, other_port in SERVICES.items()},
    }
    if name in ("registration", "marketplace"):
        env["SIGNING_KEY_FILE"] = str(key_dir / f"{name}_signing.pem")
    if name == "accounts":
        # The key `make token` signs with: tokens of both kinds verify with the one public PEM too.
        env["SIGNING_KEY_FILE"] = str(key_dir / "jwt_private.pem")
        env["DEMO_ADMIN_PASSWORD"] = keys.demo_admin_password(root)
    else:
        # Tokens of browser sessions are signed by the accounts service; scripts' tokens by the local key.
        env["JWT_JWKS_URL"] = f"{ACCOUNTS_URL}/.well-known/jwks.json"
        env["ACCOUNTS_URL"] = ACCOUNTS_URL
    if name == "marketplace":
        env["JWT_PRIVATE_KEY_FILE"] = str(key_dir / "marketplace_exhibitor_jwt.pem")
    if name == "agenda":
        env["REGISTRATION_PUBLIC_KEY_FILE"] = str(key_dir / "registration_public.pem")
    return {**os.environ, **env}


def services_up(root: Path = ROOT, timeout: float = 90.0) -> None:
    """Start the services (those not already running), then wait for each /readyz."""
    started: dict[str, subprocess.Popen[bytes]] = {}
    for name, port in SERVICES.items():
        pid_path = pidfile(name, root)
        if (pid := processes.running_pid(pid_path)) is not None:
            print(f"{name}: already running (PID {pid})")
            continue
        probes.ensure_port_free(port, name)
        started[name] = processes.spawn([processes.project_python(), "-m", name], log=logfile(name, root),
                                        pidfile=pid_path, cwd=root, env=service_env(root, name))
    for name, proc in started.items():
        url, began = f"http://127.0.0.1:{SERVICES[name]}/readyz", time.monotonic()
        processes.wait_ready(proc, name, log=logfile(name, root), pidfile=pidfile(name, root),
                             ready=functools.partial(probes.http_ok, url), timeout=timeout)
        print(f"{name}: ready (PID {proc.pid}) in {time.monotonic() - began:.1f} s")


def demo(root: Path = ROOT) -> None:
    """Run each service's idempotent demo loader (``python -m <name>.demo``), if it has one."""
    for name in SERVICES:
        if not (root / "services" / name / name / "demo.py").is_file():
            print(f"{name}: no demo data loader yet")
            continue
        print(f"{name}: loading demo data", flush=True)
        subprocess.run([processes.project_python(), "-m", f"{name}.demo"], cwd=root, env=service_env(root, name),
                       check=True)


def summary(root: Path = ROOT) -> None:
    print("\nTadamon runs locally:")
    for name, port in SERVICES.items():
        print(f"  {name:<16} http://127.0.0.1:{port}/docs")
    mail = local_dir(root) / "mail"
    print(f"  mails            {mail}/*.eml (one line per mail in {mail}/index.jsonl)")
    print(f"  logs             {local_dir(root) / 'logs'}/")
    print(f"\nSign in at {ACCOUNTS_URL}/signin as the demo platform administrator:")
    print(f"  e-mail           {DEMO_ADMIN_EMAIL}")
    print(f"  password         {keys.demo_admin_password(root)}")
    print("  (the first sign-in asks to set up an authenticator app: administrators see personal data)")
    print("Scripts: `make token` prints a bearer token (12 h).\n")
    print("Stop everything with `make stop`; `make reset` also removes the stored data, to start afresh.")


def down(root: Path = ROOT) -> None:
    """Stop every recorded process: the services first, then the infrastructure they use."""
    for name in [*SERVICES, "smtp", "mongo", "kafka"]:
        pid_path = pidfile(name, root)
        if pid_path.exists() and processes.stop_pid(pid_path, timeout=30 if name == "kafka" else 15):
            print(f"{name}: stopped")
    for pid_path in sorted((local_dir(root) / "pids").glob("*.pid")):  # anything recorded under another name
        if processes.stop_pid(pid_path):
            print(f"{pid_path.stem}: stopped")


# What ``reset`` removes under .local/: the stored data, the messages and the mails. The keys (and
# so the demo administrator's password and the tokens already given), the downloaded tools and the
# logs stay.
RESET_REMOVES = ("mongo/data", "kafka/data", "mail")


def reset(root: Path = ROOT) -> None:
    """Stop the stack and remove what it stored, so that the next ``make run`` starts as on a fresh
    clone; also the folders of test runs that were cut short (their process is gone)."""
    down(root)
    local = local_dir(root)
    removed = [local / relative for relative in RESET_REMOVES]
    for folder in local.glob("test-*"):  # tests/conftest.py's, named after the pytest process
        pid = folder.name.removeprefix("test-")
        if pid.isdigit() and not processes.alive(int(pid)):
            removed.append(folder)
    for folder in removed:
        if folder.exists():
            shutil.rmtree(folder)
            print(f"removed {folder.relative_to(root)}")


def status(root: Path = ROOT) -> None:
    ports = {"kafka": KAFKA_PORT, "mongo": MONGO_PORT, "smtp": SMTP_PORT, **SERVICES}
    for name, port in ports.items():
        pid = processes.running_pid(pidfile(name, root))
        if pid is None:
            state = "port in use by another process" if probes.port_open(port) else "stopped"
            print(f"{name:<16} {port:>5}  {state}")
            continue
        extra = ""
        if name in SERVICES:
            extra = "  ready" if probes.http_ok(f"http://127.0.0.1:{port}/readyz") else "  not ready"
        print(f"{name:<16} {port:>5}  running (PID {pid}){extra}")
