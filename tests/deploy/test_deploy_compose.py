"""docker-compose.yml follows the Compose specification and docs/ARCHITECTURE.md."""

import re
import subprocess
import sys

import pytest
from deploy_support import ROOT, architecture_env_names, architecture_services, compose, compose_app_services

services = pytest.mark.parametrize("service", sorted(architecture_services()))
REQUIRED_ENV = {"SERVICE_NAME", "PORT", "MONGO_URL", "MONGO_DB", "KAFKA_BOOTSTRAP_SERVERS",
                "JWT_PUBLIC_KEY_FILE", "PUBLIC_BASE_URL", "LOG_LEVEL"}


def test_compose_file_follows_the_compose_specification():
    # The schema ships inside check-jsonschema: no network needed.
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(ROOT / "docker-compose.yml")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_builds_the_four_services_beside_mongodb_kafka_and_a_mail_catcher():
    assert set(compose_app_services()) == set(architecture_services())
    images = {name: svc.get("image", "") for name, svc in compose()["services"].items()}
    assert images["mongo"].startswith("mongo:8.0")
    assert images["kafka"] == "apache/kafka:4.3.0"
    assert images["mailpit"].startswith("axllent/mailpit")


def test_mongodb_is_a_replica_set_initiated_by_its_healthcheck():
    mongo = compose()["services"]["mongo"]
    assert mongo["command"][mongo["command"].index("--replSet") + 1] == "rs0"
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])


def test_kafka_is_a_single_kraft_node():
    env = compose()["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert "healthcheck" in compose()["services"]["kafka"]


@services
def test_service_is_built_from_its_dockerfile_on_its_port(service):
    row = architecture_services()[service]
    svc = compose_app_services()[service]
    assert svc["build"] == {"context": ".", "dockerfile": f"services/{service}/Dockerfile"}
    assert svc["ports"] == [f"{row.port}:{row.port}"]
    assert f"127.0.0.1:{row.port}/healthz" in " ".join(svc["healthcheck"]["test"])


@services
def test_service_waits_for_healthy_dependencies(service):
    everything = compose()["services"]
    depends = compose_app_services()[service]["depends_on"]
    assert {"mongo", "kafka"} <= set(depends)
    for name, condition in depends.items():
        if condition["condition"] == "service_healthy":
            assert "healthcheck" in everything[name], name
        else:
            assert condition["condition"] == "service_completed_successfully", name


@services
def test_service_environment_uses_the_names_of_the_architecture(service):
    row = architecture_services()[service]
    env = compose_app_services()[service]["environment"]
    assert REQUIRED_ENV <= set(env), sorted(REQUIRED_ENV - set(env))
    assert set(env) <= architecture_env_names(), sorted(set(env) - architecture_env_names())
    assert env["SERVICE_NAME"] == service
    assert env["PORT"] == str(row.port)
    assert env["MONGO_DB"] == row.database
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert re.fullmatch(r"mongodb://mongo:27017/\?replicaSet=rs0", env["MONGO_URL"])


def test_registration_sends_mail_to_the_catcher_and_agenda_verifies_its_tokens():
    apps = compose_app_services()
    assert (apps["registration"]["environment"]["SMTP_HOST"], apps["registration"]["environment"]["SMTP_PORT"]) \
        == ("mailpit", "1025")
    assert "REGISTRATION_PUBLIC_KEY_FILE" in apps["agenda"]["environment"]
    key_files = {s["file"] for s in compose()["secrets"].values()}
    assert all(f.startswith("./.local/keys/") for f in key_files)


@services
def test_key_files_are_the_copied_compose_secrets(service):
    secrets = set(compose()["secrets"])
    for name, value in compose_app_services()[service]["environment"].items():
        if name.endswith("_FILE"):
            assert value.startswith("/run/keys/") and value.removeprefix("/run/keys/") in secrets, (name, value)
