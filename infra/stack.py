"""Start and stop the local stack: Apache Kafka (KRaft), SecantusDB, a mail sink, the services.

Used by ``make run`` / ``make stop`` as ``python infra/stack.py CMD`` and by the test
harness as ``from infra import stack``. Standard library only (pymongo and
cryptography are imported where used): it runs before the virtualenv has
anything in it. Everything lives under ``<root>/.local/``. Every process is
recorded in a PID file with its command line and start time, and stopped through
that record only, never by name.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KAFKA_PORT, KAFKA_CONTROLLER_PORT, MONGO_PORT, SMTP_PORT = 9092, 9093, 27017, 8025
# The local server is a single node; retryable writes (the driver's default) cost it about
# 50 ms of CPU each against under 1 ms without (it re-sorts its table of recent ones on every
# write), and the relays' lease renewals and the mailer's claims are such writes. Every one of
# them is repeated by its own loop when it fails, so locally they go without. Deployments on
# MongoDB replica sets keep the default (deploy/).
LOCAL_MONGO_OPTIONS = "directConnection=true&retryWrites=false"


def local_mongo_url(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?{LOCAL_MONGO_OPTIONS}"
SERVICES = {"registration": 8001, "agenda": 8002, "recommendations": 8003, "marketplace": 8004, "accounts": 8005}
ACCOUNTS_URL = f"http://127.0.0.1:{SERVICES['accounts']}"
DEMO_ADMIN_EMAIL = "organisateur@tadamon.ma"
KEY_PAIRS = [
    ("jwt_private.pem", "jwt_public.pem"),
    ("registration_signing.pem", "registration_public.pem"),
    ("marketplace_signing.pem", "marketplace_public.pem"),
    ("marketplace_exhibitor_jwt.pem", "marketplace_exhibitor_jwt_public.pem"),
]
KAFKA_HEAP = "512m"
AIOSMTPD = "aiosmtpd==1.4.6"

# Popen objects of the processes this interpreter started: stop_pid reaps them, so
# a stopped child does not linger as a zombie (and Popen does not warn at exit).
_children: dict[int, subprocess.Popen[bytes]] = {}
_handed_out: set[int] = set()


# --- process records ------------------------------------------------------------------


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


def _alive(pid: int) -> bool:
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
    if not _alive(pid):
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
        if not _alive(pid):
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


def _spawn(argv: list[str], *, log: Path, pidfile: Path, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
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


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_ready(proc: subprocess.Popen[bytes], name: str, *, log: Path, pidfile: Path,
                ready: Callable[[], bool], timeout: float) -> None:
    """Poll ``ready`` until it holds; if the process dies or time runs out, stop it and say why."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _children.pop(proc.pid, None)
            pidfile.unlink(missing_ok=True)
            raise RuntimeError(f"{name} exited with code {proc.returncode} while starting; "
                               f"last lines of {log}:\n{_tail(log)}")
        if ready():
            return
        time.sleep(0.2)
    stop_pid(pidfile)
    raise TimeoutError(f"{name} was not ready after {timeout:.0f} s; last lines of {log}:\n{_tail(log)}")


# --- ports and probes -----------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1, never one this process handed out before."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port found")


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _ensure_port_free(port: int, what: str) -> None:
    if port_open(port):
        raise RuntimeError(f"port {port} is already in use, so {what} cannot listen there; "
                           f"stop whatever holds it (see `ss -ltnp`) or use other ports")


def wait_http(url: str, timeout: float = 60.0) -> None:
    """Wait until GET ``url`` answers 200."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s (last: {last})")


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def kafka_ready(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """True when the broker answers a Metadata request that lists a broker.

    A broker appears in metadata only once it has registered with the controller
    and been unfenced, i.e. when clients can use it (an open port is not enough).
    Metadata v4, header v1: supported from Kafka 1.0 to 4.x.
    """
    client_id = b"tadamon-stack"
    request = struct.pack(">hhih", 3, 4, 1, len(client_id)) + client_id + struct.pack(">ib", -1, 0)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
            correlation_id, _throttle_ms, brokers = struct.unpack_from(">iii", _recv_exactly(sock, size))
    except (OSError, struct.error):
        return False
    return bool(correlation_id == 1 and brokers > 0)


def mongo_ready(port: int) -> bool:
    try:
        import pymongo
        from pymongo.errors import PyMongoError
    except ImportError:  # the stdlib-only path (no venv yet): an open port will do
        return port_open(port)
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def smtp_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            greeting = sock.recv(512)
            sock.sendall(b"QUIT\r\n")
            return greeting.startswith(b"220")
    except OSError:
        return False


# --- Kafka ----------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_kafka_libs(root: Path) -> Path:
    """``<root>/.local/kafka/libs``: the Kafka jars, fetched with Maven once (again if the pom changes)."""
    root = root.resolve()
    pom = root / "infra" / "kafka" / "pom.xml"
    libs = root / ".local" / "kafka" / "libs"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    stamp = libs / ".pom-sha256"
    # Several test runs may start at once: one fetches, the others wait and reuse.
    with _locked(libs.with_name("libs.lock")):
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError("Maven (mvn) is needed once to fetch Apache Kafka from Maven Central")
        partial = libs.with_name("libs.part")
        shutil.rmtree(partial, ignore_errors=True)
        print(f"fetching Apache Kafka jars from Maven Central into {libs} ...", file=sys.stderr, flush=True)
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", f"-Dlibs.dir={partial}"],
            capture_output=True, text=True,
        )
        if result.returncode != 0 or not list(partial.glob("kafka_2.13-*.jar")):
            raise RuntimeError(f"mvn could not fetch Kafka (exit {result.returncode}):\n"
                               f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
        (partial / ".pom-sha256").write_text(digest + "\n")
        shutil.rmtree(libs, ignore_errors=True)
        os.replace(partial, libs)
    return libs


def _kafka_properties(data: Path, port: int, controller_port: int) -> str:
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data),
        "num.partitions": "3",
        # One broker: internal topics cannot have more than one replica.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # A new consumer group starts at once instead of waiting 3 s for more members.
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


LOG4J2_YAML = """\
Configuration:
  Appenders:
    Console:
      name: STDOUT
      target: SYSTEM_OUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      # Each client and server logs its full configuration (~1,600 lines at start).
      - name: org.apache.kafka.common.config.AbstractConfig
        level: WARN
      - name: state.change.logger
        level: WARN
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: WARN
      - name: kafka.log.LogCleaner
        level: WARN
"""


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java (17 or newer) is needed to run Kafka")
    return java


def _kafka_cluster_id() -> str:
    # What `kafka-storage.sh random-uuid` prints (Kafka's Uuid: URL-safe base64 of
    # 16 random bytes), without starting a JVM for it. Kafka avoids a leading '-'.
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


def _format_kafka_storage(java: list[str], config: Path, data: Path) -> None:
    if (data / "meta.properties").is_file():
        return
    # A short-lived JVM: the C1 compiler only and the serial GC start it ~1 s sooner.
    quick = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    result = subprocess.run(
        [java[0], *quick, *java[1:], "kafka.tools.StorageTool", "format", "--standalone", "-t", _kafka_cluster_id(),
         "-c", str(config)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"formatting Kafka storage in {data} failed:\n{result.stdout}{result.stderr}")


def start_kafka(state_dir: Path, port: int, controller_port: int, libs: Path, *, pidfile: Path | None = None,
                log: Path | None = None, timeout: float = 60.0) -> int:
    """Start a single-node KRaft broker+controller; return its PID once clients can use it.

    ``state_dir`` gets server.properties, log4j2.yaml, data/, kafka.log and kafka.pid
    (the last two unless ``log``/``pidfile`` say otherwise).
    """
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    pidfile = pidfile or state_dir / "kafka.pid"
    log = log or state_dir / "kafka.log"
    if (pid := running_pid(pidfile)) is not None:
        raise RuntimeError(f"Kafka already runs with PID {pid} (recorded in {pidfile})")
    _ensure_port_free(port, "Kafka")
    _ensure_port_free(controller_port, "Kafka's controller")
    config, logging_config, data = state_dir / "server.properties", state_dir / "log4j2.yaml", state_dir / "data"
    config.write_text(_kafka_properties(data, port, controller_port))
    logging_config.write_text(LOG4J2_YAML)
    java = [_java(), f"-Dlog4j2.configurationFile={logging_config}", "-cp", f"{libs.resolve()}/*"]
    _format_kafka_storage(java, config, data)
    argv = [java[0], f"-Xmx{KAFKA_HEAP}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
            *java[1:], "kafka.Kafka", str(config)]
    proc = _spawn(argv, log=log, pidfile=pidfile, cwd=state_dir)
    _wait_ready(proc, "Kafka", log=log, pidfile=pidfile, ready=lambda: kafka_ready(port), timeout=timeout)
    return proc.pid


# --- MongoDB protocol (SecantusDB) and the mail sink --------------------------------


def _python() -> str:
    """The project's virtualenv interpreter if there is one, else this one."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.is_file() else sys.executable


def _secantusd() -> str:
    for folder in (Path(sys.executable).parent, Path(_python()).parent):
        if (folder / "secantusd-py").is_file():
            return str(folder / "secantusd-py")
    found = shutil.which("secantusd-py")
    if found is None:
        raise RuntimeError("secantusd-py not found: `make venv` installs SecantusDB (PyPI secantusdb)")
    return found


def start_mongo(state_dir: Path, port: int, *, pidfile: Path | None = None, log: Path | None = None,
                timeout: float = 60.0) -> int:
    """Start SecantusDB (a MongoDB-protocol server, single-node replica set) and return its PID once it answers ping."""
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    pidfile = pidfile or state_dir / "mongo.pid"
    log = log or state_dir / "mongo.log"
    if (pid := running_pid(pidfile)) is not None:
        raise RuntimeError(f"SecantusDB already runs with PID {pid} (recorded in {pidfile})")
    _ensure_port_free(port, "SecantusDB")
    # An explicit (empty) config: otherwise secantusd reads ./secantusd.toml or ~/.secantus/ if present.
    config = state_dir / "secantusd.toml"
    if not config.exists():
        config.write_text("# Built-in defaults; the command line sets host, port and storage.\n")
    argv = [_secantusd(), "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
            "--storage-path", str(state_dir / "data"), "--cache-size", "256M"]
    proc = _spawn(argv, log=log, pidfile=pidfile, cwd=state_dir)
    _wait_ready(proc, "SecantusDB", log=log, pidfile=pidfile, ready=lambda: mongo_ready(port), timeout=timeout)
    return proc.pid


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
    if (pid := running_pid(pidfile)) is not None:
        raise RuntimeError(f"the mail sink already runs with PID {pid} (recorded in {pidfile})")
    _ensure_port_free(port, "the mail sink")
    python = _python()
    _ensure_aiosmtpd(python)
    argv = [python, "-m", "infra.mailsink", "--port", str(port), "--dir", str(mail_dir)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = _spawn(argv, log=log, pidfile=pidfile, cwd=ROOT, env=env)
    _wait_ready(proc, "mail sink", log=log, pidfile=pidfile, ready=lambda: smtp_ready(port), timeout=timeout)
    return proc.pid


# --- the local stack (make run / make stop) ---------------------------------------------


def _local(root: Path) -> Path:
    return root / ".local"


def _pidfile(root: Path, name: str) -> Path:
    return _local(root) / "pids" / f"{name}.pid"


def _logfile(root: Path, name: str) -> Path:
    return _local(root) / "logs" / f"{name}.log"


def up(root: Path = ROOT) -> None:
    """Kafka on 9092/9093, SecantusDB on 27017, the mail sink on 8025; whatever already runs is kept."""
    local = _local(root)
    starters: list[tuple[str, Callable[[Path, Path], int]]] = [
        ("kafka", lambda pidfile, log: start_kafka(local / "kafka", KAFKA_PORT, KAFKA_CONTROLLER_PORT,
                                                   ensure_kafka_libs(root), pidfile=pidfile, log=log)),
        ("mongo", lambda pidfile, log: start_mongo(local / "mongo", MONGO_PORT, pidfile=pidfile, log=log)),
        ("smtp", lambda pidfile, log: start_smtp(local / "smtp", SMTP_PORT, pidfile=pidfile, log=log,
                                                 mail_dir=local / "mail")),
    ]
    for name, start in starters:
        pidfile = _pidfile(root, name)
        if (pid := running_pid(pidfile)) is not None:
            print(f"{name}: already running (PID {pid})")
            continue
        began = time.monotonic()
        pid = start(pidfile, _logfile(root, name))
        print(f"{name}: started (PID {pid}) in {time.monotonic() - began:.1f} s")


def service_env(root: Path, name: str) -> dict[str, str]:
    port, keys = SERVICES[name], _local(root) / "keys"
    env = {
        "SERVICE_NAME": name,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MONGO_URL": local_mongo_url(MONGO_PORT),
        "MONGO_DB": f"tadamon_{name}",
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{KAFKA_PORT}",
        "JWT_PUBLIC_KEY_FILE": str(keys / "jwt_public.pem"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(SMTP_PORT),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    if name in ("registration", "marketplace"):
        env["SIGNING_KEY_FILE"] = str(keys / f"{name}_signing.pem")
    if name == "accounts":
        # The key `make token` signs with: tokens of both kinds verify with the one public PEM too.
        env["SIGNING_KEY_FILE"] = str(keys / "jwt_private.pem")
        env["DEMO_ADMIN_PASSWORD"] = demo_admin_password(root)
    else:
        # Tokens of browser sessions are signed by the accounts service; scripts' tokens by the local key.
        env["JWT_JWKS_URL"] = f"{ACCOUNTS_URL}/.well-known/jwks.json"
        env["ACCOUNTS_URL"] = ACCOUNTS_URL
    if name == "marketplace":
        env["JWT_PRIVATE_KEY_FILE"] = str(keys / "marketplace_exhibitor_jwt.pem")
    if name == "agenda":
        env["REGISTRATION_PUBLIC_KEY_FILE"] = str(keys / "registration_public.pem")
    return {**os.environ, **env}


def services_up(root: Path = ROOT, timeout: float = 90.0) -> None:
    """Start the services (those not already running), then wait for each /readyz."""
    started: dict[str, subprocess.Popen[bytes]] = {}
    for name, port in SERVICES.items():
        pidfile = _pidfile(root, name)
        if (pid := running_pid(pidfile)) is not None:
            print(f"{name}: already running (PID {pid})")
            continue
        _ensure_port_free(port, name)
        started[name] = _spawn([_python(), "-m", name], log=_logfile(root, name), pidfile=pidfile, cwd=root,
                               env=service_env(root, name))
    for name, proc in started.items():
        url, began = f"http://127.0.0.1:{SERVICES[name]}/readyz", time.monotonic()
        _wait_ready(proc, name, log=_logfile(root, name), pidfile=_pidfile(root, name),
                    ready=functools.partial(_http_ok, url), timeout=timeout)
        print(f"{name}: ready (PID {proc.pid}) in {time.monotonic() - began:.1f} s")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def demo(root: Path = ROOT) -> None:
    """Run each service's idempotent demo loader (``python -m <name>.demo``), if it has one."""
    for name in SERVICES:
        if not (root / "services" / name / name / "demo.py").is_file():
            print(f"{name}: no demo data loader yet")
            continue
        print(f"{name}: loading demo data", flush=True)
        subprocess.run([_python(), "-m", f"{name}.demo"], cwd=root, env=service_env(root, name), check=True)


def make_keys(root: Path = ROOT) -> None:
    """Ed25519 key pairs (PEM) in .local/keys, created once: JWTs, registration's and marketplace's signatures."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = _local(root) / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    for private_name, public_name in KEY_PAIRS:
        private, public = folder / private_name, folder / public_name
        if private.is_file():
            loaded = serialization.load_pem_private_key(private.read_bytes(), password=None)
            assert isinstance(loaded, Ed25519PrivateKey), f"{private} is not an Ed25519 key"
            key = loaded
        else:
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            private.touch(mode=0o600)
            private.write_bytes(pem)
            print(f"created {private}")
        if not public.is_file():
            public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo))


def demo_admin_password(root: Path = ROOT) -> str:
    """The demo administrator's password: drawn once, kept in .local/keys (git-ignored), so every
    `make run` prints the one that works."""
    path = _local(root) / "keys" / "demo_admin_password"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(12))
    return path.read_text().strip()


def organizer_token(root: Path = ROOT, scopes: Sequence[str] = ()) -> str:
    """A 12-hour token signed with the local key: scope ``admin`` unless ``scopes`` are given."""
    private = _local(root) / "keys" / "jwt_private.pem"
    if not private.is_file():
        make_keys(root)
    chosen = [arg for scope in (scopes or ["admin"]) for arg in ("--scope", scope)]
    result = subprocess.run(
        [_python(), "-m", "shared.auth", "mint", *chosen, "--sub", "organizer@local",
         "--private-key-file", str(private)],
        cwd=root, capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def summary(root: Path = ROOT) -> None:
    print("\nTadamon runs locally:")
    for name, port in SERVICES.items():
        print(f"  {name:<16} http://127.0.0.1:{port}/docs")
    mail = _local(root) / "mail"
    print(f"  mails            {mail}/*.eml (one line per mail in {mail}/index.jsonl)")
    print(f"  logs             {_local(root) / 'logs'}/")
    print(f"\nSign in at {ACCOUNTS_URL}/signin as the demo platform administrator:")
    print(f"  e-mail           {DEMO_ADMIN_EMAIL}")
    print(f"  password         {demo_admin_password(root)}")
    print("  (the first sign-in asks to set up an authenticator app: administrators see personal data)")
    print("Scripts: `make token` prints a bearer token (12 h).\n")
    print("Stop everything with `make stop`.")


def down(root: Path = ROOT) -> None:
    """Stop every recorded process: the services first, then the infrastructure they use."""
    for name in [*SERVICES, "smtp", "mongo", "kafka"]:
        pidfile = _pidfile(root, name)
        if pidfile.exists() and stop_pid(pidfile, timeout=30 if name == "kafka" else 15):
            print(f"{name}: stopped")
    for pidfile in sorted((_local(root) / "pids").glob("*.pid")):  # anything recorded under another name
        if stop_pid(pidfile):
            print(f"{pidfile.stem}: stopped")


def status(root: Path = ROOT) -> None:
    ports = {"kafka": KAFKA_PORT, "mongo": MONGO_PORT, "smtp": SMTP_PORT, **SERVICES}
    for name, port in ports.items():
        pid = running_pid(_pidfile(root, name))
        if pid is None:
            state = "port in use by another process" if port_open(port) else "stopped"
            print(f"{name:<16} {port:>5}  {state}")
            continue
        extra = ""
        if name in SERVICES:
            extra = "  ready" if _http_ok(f"http://127.0.0.1:{port}/readyz") else "  not ready"
        print(f"{name:<16} {port:>5}  running (PID {pid}){extra}")


def main(argv: list[str] | None = None) -> int:
    commands: dict[str, Callable[[], object]] = {
        "kafka-libs": lambda: print(ensure_kafka_libs(ROOT)),
        "up": up,
        "services-up": services_up,
        "demo": demo,
        "keys": make_keys,
        # SCOPES="organizer:conference:conf-6 staff:market:mkt-1" make token: a token with those rights only.
        "token": lambda: print(organizer_token(scopes=os.environ.get("SCOPES", "").split())),
        "summary": summary,
        "down": down,
        "status": status,
    }
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
