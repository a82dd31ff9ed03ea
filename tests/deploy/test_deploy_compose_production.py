"""docker-compose.production.yml: the single-machine production stack. Its shape is
checked here; the Kafka start script it runs is started for real with the Kafka
jars of `make test`, to show that the services' SCRAM users get in and nobody else."""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError
from deploy_support import ROOT, architecture_env_names, architecture_services

from infra import kafka_broker, probes

COMPOSE = ROOT / "docker-compose.production.yml"
KAFKA_START = ROOT / "deploy" / "compose" / "kafka-start.sh"
services = pytest.mark.parametrize("service", sorted(architecture_services()))
ONE_SHOT = {"init"}
DIGEST = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


@cache
def production() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def test_production_compose_follows_the_compose_specification():
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_entry_point_publishes_ports():
    published = {name for name, svc in production()["services"].items() if svc.get("ports")}
    assert published == {"caddy"}
    assert production()["services"]["caddy"]["ports"] == ["80:80", "443:443", "443:443/udp"]


def test_mongodb_and_kafka_have_no_route_out_and_keep_their_data_in_volumes():
    everything = production()["services"]
    assert production()["networks"]["internal"] == {"internal": True}
    for name, mount in (("mongo", "mongo-data:/data/db"), ("kafka", "kafka-data:/var/lib/kafka/data"),
                        ("caddy", "caddy-data:/data"), ("mongo-backup", "backups:/backups")):
        assert mount in everything[name]["volumes"], name
    assert everything["mongo"]["networks"] == ["internal"]
    assert everything["kafka"]["networks"] == ["internal"]


def test_every_long_running_container_has_limits_and_restarts():
    for name, svc in production()["services"].items():
        if name in ONE_SHOT:
            continue
        limits = svc["deploy"]["resources"]["limits"]
        assert {"cpus", "memory"} <= set(limits), name
        assert svc["restart"] == "unless-stopped", name


def test_third_party_images_are_pinned():
    for name, svc in production()["services"].items():
        if "build" in svc:
            continue
        image = svc["image"]
        assert DIGEST.match(image) or re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", image), (name, image)


def test_mongodb_requires_authentication_and_every_service_has_its_own_user():
    mongo = production()["services"]["mongo"]
    assert "--keyFile" in mongo["command"] and "--replSet" in mongo["command"]
    assert mongo["environment"]["MONGO_INITDB_ROOT_PASSWORD"] == "${MONGO_ROOT_PASSWORD:?}"
    users = (ROOT / "deploy" / "compose" / "mongo-users.js").read_text(encoding="utf-8")
    for service in architecture_services():
        assert f"{service.upper()}_MONGO_PASSWORD" in mongo["environment"], service
        assert f'"{service}"' in users
    assert 'role: "readWrite", db: `tadamon_${service}`' in users


@services
def test_service_authenticates_to_mongodb_and_kafka_as_itself(service):
    row = architecture_services()[service]
    env = production()["services"][service]["environment"]
    assert set(env) <= architecture_env_names(), sorted(set(env) - architecture_env_names())
    assert env["SERVICE_NAME"] == service and env["PORT"] == str(row.port) and env["MONGO_DB"] == row.database
    assert env["MONGO_URL"] == (f"mongodb://{service}:${{{service.upper()}_MONGO_PASSWORD:?}}@mongo:27017/"
                                "?replicaSet=rs0&authSource=admin")
    assert (env["KAFKA_SECURITY_PROTOCOL"], env["KAFKA_SASL_MECHANISM"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
    assert env["KAFKA_SASL_USERNAME"] == service
    assert env["KAFKA_SASL_PASSWORD"] == f"${{{service.upper()}_KAFKA_PASSWORD:?}}"
    assert env["PUBLIC_BASE_URL"] == f"https://{service}.${{TADAMON_DOMAIN:?}}"
    assert production()["services"]["kafka"]["environment"][f"{service.upper()}_KAFKA_PASSWORD"] == \
        env["KAFKA_SASL_PASSWORD"]


def test_the_entry_point_hides_admin_and_metrics_on_public_hosts():
    caddyfile = (ROOT / "deploy" / "compose" / "Caddyfile").read_text(encoding="utf-8")
    for service in architecture_services():
        block = caddyfile[caddyfile.index(f"{service}.{{$TADAMON_DOMAIN}} {{"):]
        block = block[:block.index("\n}\n")]
        assert "import public" in block and f"reverse_proxy {service}:" in block, service
    assert "@hidden path /admin /admin/* /metrics /metrics/*" in caddyfile
    assert "not remote_ip {$ADMIN_ALLOWED_RANGES}" in caddyfile


def test_backups_run_nightly_into_their_volume():
    backup = production()["services"]["mongo-backup"]
    script = (ROOT / "deploy" / "compose" / "mongo-backup.sh").read_text(encoding="utf-8")
    assert backup["entrypoint"] == ["/bin/bash", "/opt/tadamon/mongo-backup.sh"]
    assert "mongodump" in script and "--oplog" in script and "sleep 86400" in script
    assert backup["depends_on"] == {"mongo": {"condition": "service_healthy"}}


# --- The Kafka start script, run for real -------------------------------------------

def _fake_kafka_home(home: Path, libs: Path) -> None:
    """The two commands of the apache/kafka image the script calls, on the jars of `make test`."""
    (home / "bin").mkdir(parents=True)
    logging_config = home / "log4j2.yaml"
    logging_config.write_text(kafka_broker.LOG4J2_YAML)
    java = f'"{kafka_broker.java_executable()}" -Dlog4j2.configurationFile={logging_config} -cp "{libs}/*"'
    for name, main in (("kafka-storage.sh", "kafka.tools.StorageTool"), ("kafka-server-start.sh", "kafka.Kafka")):
        path = home / "bin" / name
        path.write_text(f"#!/bin/bash\nexec {java} {main} \"$@\"\n")
        path.chmod(0o755)


@pytest.fixture(scope="module")
def production_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, str]]]:
    home = tmp_path_factory.mktemp("kafka-home")
    _fake_kafka_home(home, kafka_broker.ensure_kafka_libs(ROOT).resolve())
    port, controller, broker = probes.free_port(), probes.free_port(), probes.free_port()
    passwords = {service: f"{service}-secret" for service in architecture_services()}
    env = {**os.environ, "KAFKA_HOME": str(home), "KAFKA_DATA_DIR": str(home / "data"),
           "KAFKA_CONFIG_FILE": str(home / "server.properties"), "KAFKA_CLIENTS_PORT": str(port),
           "KAFKA_ADVERTISED_HOST": "127.0.0.1", "KAFKA_CONTROLLER_PORT": str(controller),
           "KAFKA_BROKER_PORT": str(broker), "KAFKA_CLUSTER_ID": "q1Sh-9_ISia_zwGINzRvyQ",
           **{f"{service.upper()}_KAFKA_PASSWORD": password for service, password in passwords.items()}}
    log = (home / "kafka.log").open("w")
    proc = subprocess.Popen(["bash", str(KAFKA_START)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not probes.kafka_ready(broker):
            assert proc.poll() is None and time.monotonic() < deadline, (home / "kafka.log").read_text()
            time.sleep(0.5)
        yield port, passwords
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()


def _sasl(username: str, password: str) -> dict[str, str]:
    return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": username, "sasl_plain_password": password}


@pytest.mark.timeout(300)
async def test_a_service_user_produces_and_consumes_with_its_scram_password(production_kafka):
    port, passwords = production_kafka
    bootstrap = f"127.0.0.1:{port}"
    credentials = _sasl("registration", passwords["registration"])
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **credentials)
    await admin.start()
    try:
        await admin.create_topics([NewTopic("registration.participants", num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **credentials)
    await producer.start()
    try:
        await producer.send_and_wait("registration.participants", b"hello", key=b"p1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer("registration.participants", bootstrap_servers=bootstrap, group_id="agenda",
                                auto_offset_reset="earliest", **_sasl("agenda", passwords["agenda"]))
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert (message.key, message.value) == (b"p1", b"hello")


@pytest.mark.timeout(300)
async def test_a_wrong_password_is_refused(production_kafka):
    port, passwords = production_kafka
    producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{port}",
                                **_sasl("registration", passwords["registration"] + "-wrong"))
    with pytest.raises(KafkaError):
        await producer.start()
    await producer.stop()
