"""The deployment manifests against what the services declare in their own code:
`TOPICS` (events.py), `CONSUMED_TOPICS` and the consumer groups (consumers.py), and
the fields of their Settings (settings.py)."""

import pytest
from deploy_support import (
    OVERLAYS,
    architecture_services,
    by_name,
    compose_app_services,
    declared_consumer_groups,
    declared_topics,
    dlq,
    env_names_of,
    render,
    settings_env_names,
)

# The first render may build kustomize (infra/install-kustomize.sh), minutes on a
# cold Go cache; `make test` runs that script first, this is the safety net.
pytestmark = pytest.mark.timeout(900)

services = pytest.mark.parametrize("service", sorted(architecture_services()))
# Read by OpenSSL, not by the service's Settings.
PROCESS_ENV = {"SSL_CERT_FILE"}


def acl_topics(service: str, operation: str) -> set[str]:
    user = by_name(render("production"), "KafkaUser")[service]
    return {acl["resource"]["name"] for acl in user["spec"]["authorization"]["acls"]
            if acl["resource"]["type"] == "topic" and operation in acl["operations"]
            and not acl["resource"]["name"].endswith(".dlq")}


@services
def test_topics_the_service_publishes_are_deployed_and_writable(service):
    declared = set(declared_topics(service, "events", "TOPICS"))
    writable = acl_topics(service, "Write")
    assert declared == writable, (
        f"{service}: events.TOPICS = {sorted(declared)}, but its KafkaUser may write {sorted(writable)}")
    deployed = set(by_name(render("production"), "KafkaTopic"))
    assert {*declared, *map(dlq, declared)} <= deployed


@services
def test_topics_the_service_consumes_are_deployed_and_readable(service):
    declared = set(declared_topics(service, "consumers", "CONSUMED_TOPICS"))
    readable = acl_topics(service, "Read")
    assert declared == readable, (
        f"{service}: consumers.CONSUMED_TOPICS = {sorted(declared)}, but its KafkaUser may read {sorted(readable)}")


def test_every_deployed_topic_is_declared_by_a_service():
    declared = set()
    for service in architecture_services():
        declared |= set(declared_topics(service, "events", "TOPICS"))
    deployed = set(by_name(render("production"), "KafkaTopic"))
    expected = declared | {dlq(t) for t in declared}
    assert deployed == expected, (f"KafkaTopics no service publishes: {sorted(deployed - expected)}; "
                                  f"published but not deployed: {sorted(expected - deployed)}")


@services
def test_consumer_groups_in_code_are_those_of_the_architecture(service):
    groups = declared_consumer_groups(service)
    assert groups <= set(architecture_services()[service].groups), groups


@services
def test_kubernetes_sets_only_variables_the_service_reads(service):
    for overlay in OVERLAYS:
        deployment = by_name(render(overlay), "Deployment")[service]
        unread = env_names_of(render(overlay), deployment) - PROCESS_ENV - settings_env_names(service)
        assert not unread, f"{overlay}: {service} has no Settings field for {sorted(unread)}"


@services
def test_compose_sets_only_variables_the_service_reads(service):
    unread = set(compose_app_services()[service]["environment"]) - settings_env_names(service)
    assert not unread, f"{service} has no Settings field for {sorted(unread)}"
