"""Strimzi and Percona MongoDB custom resources (their schemas are checked in
test_deploy_custom_resources.py): their sizes per overlay, the platform's choices
(TLS, backups, metrics), and that topics and access rights are exactly those of
docs/ARCHITECTURE.md."""

import re

import pytest
from deploy_support import (
    KAFKA_CLUSTER,
    OVERLAYS,
    architecture_services,
    architecture_topics,
    by_name,
    consumed_by,
    dlq,
    of_kind,
    produced_by,
    render,
)

# The first render may build kustomize (infra/install-kustomize.sh), minutes on a
# cold Go cache; `make test` runs that script first, this is the safety net.
pytestmark = pytest.mark.timeout(900)

STRIMZI = "kafka.strimzi.io/v1"
MONGODB = "psmdb.percona.com/v1"
# (replicas, min.insync.replicas) of every topic and of Kafka's own defaults.
REPLICATION = {"dev": (1, 1), "production": (3, 2)}

overlays = pytest.mark.parametrize("overlay", sorted(OVERLAYS))


def kafka(overlay: str) -> dict:
    (cluster,) = of_kind(render(overlay), "Kafka")
    return cluster


def expected_acls(service: str) -> set[tuple[str, str, str]]:
    """(resource type, name, operation) that docs/ARCHITECTURE.md gives a service."""
    acls = set()
    for topic in produced_by(service):
        acls |= {("topic", topic, "Write"), ("topic", topic, "Describe")}
    for topic in consumed_by(service):
        acls |= {("topic", topic, "Read"), ("topic", topic, "Describe")}
        acls |= {("topic", dlq(topic), "Write"), ("topic", dlq(topic), "Describe")}
    acls |= {("group", group, "Read") for group in architecture_services()[service].groups}
    return acls


@overlays
def test_kafka_runs_in_kraft_mode_with_node_pools(overlay):
    cluster = kafka(overlay)
    assert cluster["apiVersion"] == STRIMZI
    assert cluster["metadata"]["name"] == KAFKA_CLUSTER
    # KRaft and node pools are all Strimzi 0.48 and later know: their annotations are ignored.
    assert not set(cluster["metadata"].get("annotations", {})) & {"strimzi.io/kraft", "strimzi.io/node-pools"}
    spec = cluster["spec"]
    assert "zookeeper" not in spec
    assert {"version", "metadataVersion", "listeners", "config"} <= set(spec["kafka"])
    listeners = {(lst["port"], lst["tls"]): lst for lst in spec["kafka"]["listeners"]}
    assert set(listeners) == {(9092, False), (9093, True)}
    for listener in listeners.values():
        assert {"name", "type"} <= set(listener)
        assert listener["authentication"] == {"type": "scram-sha-512"}
    assert spec["kafka"]["authorization"] == {"type": "simple"}
    assert spec["kafka"]["config"]["auto.create.topics.enable"] is False
    assert set(spec["entityOperator"]) == {"topicOperator", "userOperator"}


@overlays
def test_kafka_exports_broker_metrics_and_consumer_lag(overlay):
    spec = kafka(overlay)["spec"]
    assert spec["kafka"]["metricsConfig"] == {"type": "strimziMetricsReporter"}
    exporter = spec["kafkaExporter"]
    for service, row in architecture_services().items():
        assert re.match(exporter["topicRegex"], f"{service}.anything"), service
        for group in row.groups:
            assert re.match(exporter["groupRegex"], group), group


@overlays
def test_kafka_replication_defaults_match_the_overlay(overlay):
    replicas, min_insync = REPLICATION[overlay]
    config = kafka(overlay)["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == replicas
    assert config["offsets.topic.replication.factor"] == replicas
    assert config["transaction.state.log.replication.factor"] == replicas
    assert config["min.insync.replicas"] == min_insync
    assert config["transaction.state.log.min.isr"] == min_insync


def node_pools(overlay: str) -> list[dict]:
    pools = of_kind(render(overlay), "KafkaNodePool")
    for pool in pools:
        assert pool["apiVersion"] == STRIMZI
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
        assert {"replicas", "roles", "storage"} <= set(pool["spec"])
        assert set(pool["spec"]["roles"]) <= {"broker", "controller"}
    return pools


def test_dev_has_one_combined_kafka_node():
    (pool,) = node_pools("dev")
    assert pool["spec"]["replicas"] == 1
    assert set(pool["spec"]["roles"]) == {"broker", "controller"}


def test_production_has_three_brokers_and_three_controllers_apart():
    pools = node_pools("production")
    brokers = [p for p in pools if p["spec"]["roles"] == ["broker"]]
    controllers = [p for p in pools if p["spec"]["roles"] == ["controller"]]
    assert len(brokers) + len(controllers) == len(pools)
    assert sum(p["spec"]["replicas"] for p in brokers) == 3
    assert sum(p["spec"]["replicas"] for p in controllers) == 3
    for pool in pools:
        assert all(not v.get("deleteClaim", False) for v in pool["spec"]["storage"]["volumes"])


def test_the_architecture_table_lists_topics_with_known_services():
    topics = architecture_topics()
    assert len(topics) == 12
    for row in topics.values():
        assert {row.producer, *row.consumers} <= set(architecture_services()), row


@overlays
def test_kafka_topics_are_the_topics_of_the_architecture_and_their_dlqs(overlay):
    names = set(by_name(render(overlay), "KafkaTopic"))
    expected = set(architecture_topics()) | {dlq(t) for t in architecture_topics()}
    assert names == expected, f"missing: {sorted(expected - names)}; unknown: {sorted(names - expected)}"


@overlays
def test_kafka_topics_are_sized_for_the_overlay(overlay):
    replicas, min_insync = REPLICATION[overlay]
    for name, topic in by_name(render(overlay), "KafkaTopic").items():
        assert topic["apiVersion"] == STRIMZI
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
        assert topic["spec"].get("topicName", name) == name
        if name.endswith(".dlq"):
            assert 1 <= topic["spec"]["partitions"] <= 3, name
        else:
            assert topic["spec"]["partitions"] == 6, name
        assert topic["spec"]["replicas"] == replicas, name
        assert int(topic["spec"]["config"]["min.insync.replicas"]) == min_insync, name


@overlays
def test_each_service_has_a_scram_user_limited_to_its_topics_and_groups(overlay):
    users = by_name(render(overlay), "KafkaUser")
    assert set(users) == set(architecture_services())
    for service, user in users.items():
        assert user["apiVersion"] == STRIMZI
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert user["spec"]["authorization"]["type"] == "simple"
        granted = set()
        for acl in user["spec"]["authorization"]["acls"]:
            assert acl["resource"].get("patternType", "literal") == "literal", acl
            granted |= {(acl["resource"]["type"], acl["resource"]["name"], op) for op in acl["operations"]}
        expected = expected_acls(service)
        assert granted == expected, (f"{service}: missing {sorted(expected - granted)}, "
                                     f"beyond the architecture {sorted(granted - expected)}")


def mongodb(overlay: str) -> dict:
    (replica_set,) = of_kind(render(overlay), "PerconaServerMongoDB")
    return replica_set


@overlays
def test_mongodb_is_a_replica_set_with_tls_spread_over_nodes(overlay):
    replica_set = mongodb(overlay)
    assert replica_set["apiVersion"] == MONGODB
    spec = replica_set["spec"]
    assert spec["tls"]["mode"] == "requireTLS"
    (rs,) = spec["replsets"]
    assert rs["size"] == (3 if overlay == "production" else 1)
    assert rs["affinity"]["antiAffinityTopologyKey"] == "kubernetes.io/hostname"
    assert rs["podDisruptionBudget"] == {"maxUnavailable": 1}
    assert spec.get("unsafeFlags", {}).get("replsetSize", False) is (overlay == "dev")
    assert "sharding" not in spec or spec["sharding"]["enabled"] is False


@overlays
def test_mongodb_members_export_metrics(overlay):
    (rs,) = mongodb(overlay)["spec"]["replsets"]
    (exporter,) = [s for s in rs["sidecars"] if s["name"] == "mongodb-exporter"]
    assert exporter["image"].startswith("percona/mongodb_exporter:")
    assert [p["containerPort"] for p in exporter["ports"] if p["name"] == "metrics"] == [9216]
    assert any(a.startswith("--mongodb.uri=") and "tls=true" in a for a in exporter["args"])


def test_production_mongodb_has_nightly_backups_and_point_in_time_recovery():
    backup = mongodb("production")["spec"]["backup"]
    assert backup["enabled"] is True
    assert backup["image"].startswith("percona/percona-backup-mongodb:")
    assert backup["pitr"]["enabled"] is True and backup["pitr"]["oplogSpanMin"] <= 10
    (storage_name,) = [name for name, s in backup["storages"].items() if s.get("main")]
    (task,) = backup["tasks"]
    assert task["enabled"] is True and task["storageName"] == storage_name
    assert task["retention"]["count"] >= 7 and task["retention"]["deleteFromStorage"] is True


@overlays
def test_each_service_has_a_mongodb_user_on_its_own_database_only(overlay):
    users = {u["name"]: u for u in mongodb(overlay)["spec"]["users"]}
    assert set(users) == set(architecture_services())
    for service, user in users.items():
        assert user["db"] == "admin"
        assert user["passwordSecretRef"] == {"name": f"{service}-mongodb-password", "key": "password"}
        assert user["roles"] == [{"name": "readWrite", "db": architecture_services()[service].database}]
