"""Every custom resource of both overlays is accepted by the CRD schema of the
operator version deploy/README.md names (tests/deploy/crds, with their sources)."""

import copy
import re

import pytest
import yaml
from crd_schemas import custom_resource_errors, served_versions
from deploy_support import OVERLAYS, ROOT, by_name, is_custom, render

# The first render may build kustomize (infra/install-kustomize.sh), minutes on a
# cold Go cache; `make test` runs that script first, this is the safety net.
pytestmark = pytest.mark.timeout(900)

overlays = pytest.mark.parametrize("overlay", sorted(OVERLAYS))
# Operator versions as deploy/README.md names them, and the folder of their CRDs.
README_VERSIONS = {
    "strimzi": r"Strimzi\]\([^)]*\) 1\.1 or 1\.2",
    "percona": r"Percona Operator for MongoDB\]\([^)]*\) 1\.22",
    "gateway-api": r"Gateway API\]\([^)]*\) 1\.6",
    "envoy-gateway": r"Envoy Gateway\]\([^)]*\) 1\.9",
    "cert-manager": r"cert-manager\]\([^)]*\) 1\.21",
    "prometheus-operator": r"Prometheus Operator\]\([^)]*\) 0\.93",
}


@overlays
def test_every_custom_resource_is_valid_for_its_operators_crd(overlay):
    custom = [m for m in render(overlay) if is_custom(m)]
    assert {m["kind"] for m in custom} >= {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser",
                                           "PerconaServerMongoDB", "Gateway", "HTTPRoute",
                                           "PodMonitor", "PrometheusRule"}
    refused = {f"{m['kind']}/{m['metadata']['name']}": errors
               for m in custom if (errors := custom_resource_errors(m))}
    assert not refused, refused


@overlays
def test_strimzi_resources_use_the_v1_api(overlay):
    strimzi = [m for m in render(overlay) if m["apiVersion"].startswith("kafka.strimzi.io/")]
    assert strimzi and {m["apiVersion"] for m in strimzi} == {"kafka.strimzi.io/v1"}


def test_a_misspelt_or_misplaced_field_is_refused():
    (kafka,) = by_name(render("production"), "Kafka").values()
    misspelt = copy.deepcopy(kafka)
    misspelt["spec"]["kafka"]["listener"] = misspelt["spec"]["kafka"].pop("listeners")
    assert any("listener" in error for error in custom_resource_errors(misspelt))
    old_api = {**kafka, "apiVersion": "kafka.strimzi.io/v1beta2"}
    assert custom_resource_errors(old_api) == [
        "no CRD in crds/ serves Kafka as kafka.strimzi.io/v1beta2"]
    wrong_type = copy.deepcopy(kafka)
    wrong_type["spec"]["kafka"]["listeners"][0]["port"] = "9092"
    assert custom_resource_errors(wrong_type)


def test_the_readme_names_the_operator_versions_whose_crds_are_kept():
    readme = ROOT / "deploy" / "README.md"
    text = re.sub(r"\s+", " ", readme.read_text(encoding="utf-8"))
    missing = [name for name, pattern in README_VERSIONS.items() if not re.search(pattern, text)]
    assert not missing, f"deploy/README.md does not name the version of {missing}"
    groups = {entry.group for entry in served_versions().values()}
    assert {"kafka.strimzi.io", "psmdb.percona.com", "gateway.networking.k8s.io", "gateway.envoyproxy.io",
            "cert-manager.io", "monitoring.coreos.com"} <= groups


def test_the_local_broker_runs_the_kafka_version_of_the_manifests():
    (kafka,) = by_name(render("production"), "Kafka").values()
    pom = (ROOT / "infra" / "kafka" / "pom.xml").read_text(encoding="utf-8")
    (local,) = re.findall(r"<kafka\.version>([^<]+)</kafka\.version>", pom)
    assert local == kafka["spec"]["kafka"]["version"]
    for name in ("docker-compose.yml", "docker-compose.production.yml"):
        compose = (ROOT / name).read_text(encoding="utf-8")
        assert set(re.findall(r"image: apache/kafka:([\w.]+)", compose)) == {local}, name


def test_backup_and_restore_manifests_of_the_runbook_are_valid_for_the_cluster():
    (mongodb,) = by_name(render("production"), "PerconaServerMongoDB").values()
    folder = ROOT / "deploy" / "k8s" / "mongodb-backup"
    manifests = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in folder.glob("*.yaml")}
    assert set(manifests) == {"backup-now.yaml", "restore-backup.yaml", "restore-to-time.yaml"}
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for name, manifest in manifests.items():
        assert custom_resource_errors(manifest) == [], name
        assert manifest["spec"]["clusterName"] == mongodb["metadata"]["name"], name
        assert f"deploy/k8s/mongodb-backup/{name}" in readme, name
    assert manifests["backup-now.yaml"]["spec"]["storageName"] in mongodb["spec"]["backup"]["storages"]
    assert manifests["restore-to-time.yaml"]["spec"]["pitr"]["type"] == "date"
