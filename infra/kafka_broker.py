"""Apache Kafka for the local stack and the tests: its jars (Maven, once), a single-node
KRaft configuration, and the broker+controller process."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from infra import probes, processes

KAFKA_HEAP = "512m"


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


def kafka_properties(data: Path, port: int, controller_port: int) -> str:
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


def java_executable() -> str:
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
    if (pid := processes.running_pid(pidfile)) is not None:
        raise RuntimeError(f"Kafka already runs with PID {pid} (recorded in {pidfile})")
    probes.ensure_port_free(port, "Kafka")
    probes.ensure_port_free(controller_port, "Kafka's controller")
    config, logging_config, data = state_dir / "server.properties", state_dir / "log4j2.yaml", state_dir / "data"
    config.write_text(kafka_properties(data, port, controller_port))
    logging_config.write_text(LOG4J2_YAML)
    java = [java_executable(), f"-Dlog4j2.configurationFile={logging_config}", "-cp", f"{libs.resolve()}/*"]
    _format_kafka_storage(java, config, data)
    argv = [java[0], f"-Xmx{KAFKA_HEAP}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
            *java[1:], "kafka.Kafka", str(config)]
    proc = processes.spawn(argv, log=log, pidfile=pidfile, cwd=state_dir)
    processes.wait_ready(proc, "Kafka", log=log, pidfile=pidfile, ready=lambda: probes.kafka_ready(port),
                         timeout=timeout)
    return proc.pid
