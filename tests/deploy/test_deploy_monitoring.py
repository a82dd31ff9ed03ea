"""Prometheus Operator resources and the Grafana dashboard: what is scraped, which
alerts exist and that they and the dashboard only use metrics that are exported
(the services' gauges, the Kafka Exporter's, the MongoDB exporter's)."""

import json
import re

import pytest
from deploy_support import OVERLAYS, ROOT, architecture_services, by_name, of_kind, render

pytestmark = pytest.mark.timeout(900)

overlays = pytest.mark.parametrize("overlay", sorted(OVERLAYS))
DASHBOARD = ROOT / "deploy" / "k8s" / "base" / "monitoring" / "dashboards" / "tadamon.json"
# Exported by the services (shared/), by Strimzi's Kafka Exporter and by the
# MongoDB exporter beside each member; `up` is Prometheus's own.
SERVICE_METRICS = {
    "tadamon_outbox_pending", "tadamon_outbox_oldest_pending_age_seconds", "tadamon_outbox_dead_lettered_total",
    "tadamon_mail_queue_depth", "tadamon_mail_failed_total", "tadamon_consumer_dlq_messages_total",
    "tadamon_transaction_retries_total",
}
EXPORTED = SERVICE_METRICS | {
    "kafka_consumergroup_lag", "kafka_topic_partition_current_offset", "kafka_topic_partition_oldest_offset",
    "mongodb_up", "up",
}
# (alert, the metric it watches): the conditions that need someone.
REQUIRED_ALERTS = {
    "TadamonOutboxBehind": "tadamon_outbox_oldest_pending_age_seconds",
    "TadamonDeadLetterQueueNotEmpty": "kafka_topic_partition_current_offset",
    "TadamonMessagesDeadLettered": "tadamon_consumer_dlq_messages_total",
    "TadamonConsumerLagGrowing": "kafka_consumergroup_lag",
    "TadamonMailFailing": "tadamon_mail_failed_total",
}
PROMQL_WORDS = {"sum", "max", "by", "rate", "increase", "delta", "and", "or", "humanizeDuration"}


def metrics_in(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_strings)
    names = set(re.findall(r"\b([a-zA-Z_][a-zA-Z0-9_]*)\b\s*(?=[{)\s]|$)", without_ranges))
    labels = set(re.findall(r"by \(([^)]*)\)", without_ranges))
    label_names = {name.strip() for group in labels for name in group.split(",")}
    return {n for n in names if not n.isdigit()} - PROMQL_WORDS - label_names


def alerts(overlay: str) -> dict[str, dict]:
    (rule,) = of_kind(render(overlay), "PrometheusRule")
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


def test_metric_names_are_found_in_expressions():
    assert metrics_in('sum by (namespace, topic) (a_total{topic=~".+"} - b[5m]) > 0') == {"a_total", "b"}


@overlays
def test_services_are_scraped_on_their_http_port_with_their_name_as_label(overlay):
    manifests = render(overlay)
    monitor = by_name(manifests, "PodMonitor")["tadamon-services"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    for service in architecture_services():
        labels = by_name(manifests, "Deployment")[service]["spec"]["template"]["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in selector.items()), service
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")
    assert {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
            "targetLabel": "service"} in endpoint["relabelings"]


@overlays
def test_kafka_and_mongodb_exporters_are_scraped(overlay):
    manifests = render(overlay)
    monitors = by_name(manifests, "PodMonitor")
    assert monitors["tadamon-kafka"]["spec"]["selector"]["matchLabels"]["strimzi.io/cluster"] == "tadamon"
    assert monitors["tadamon-kafka"]["spec"]["podMetricsEndpoints"][0]["port"] == "tcp-prometheus"
    (mongodb,) = of_kind(manifests, "PerconaServerMongoDB")
    ports = {p["name"] for sidecar in mongodb["spec"]["replsets"][0]["sidecars"] for p in sidecar["ports"]}
    assert monitors["tadamon-mongodb"]["spec"]["podMetricsEndpoints"][0]["port"] in ports
    assert monitors["tadamon-mongodb"]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] == \
        mongodb["metadata"]["name"]


@overlays
def test_the_required_alerts_watch_their_metric(overlay):
    found = alerts(overlay)
    for name, metric in REQUIRED_ALERTS.items():
        assert name in found, f"no alert {name}"
        assert metric in metrics_in(found[name]["expr"]), name
    assert "> 60" in found["TadamonOutboxBehind"]["expr"]
    assert ".dlq" in found["TadamonDeadLetterQueueNotEmpty"]["expr"]


@overlays
def test_every_alert_uses_exported_metrics_and_says_what_it_means(overlay):
    for name, rule in alerts(overlay).items():
        unknown = metrics_in(rule["expr"]) - EXPORTED
        assert not unknown, f"{name} uses {unknown}"
        assert rule["labels"]["severity"] in {"page", "ticket"}, name
        assert rule["annotations"]["summary"], name


def test_every_alert_is_listed_in_the_readme():
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    missing = [name for name in alerts("production") if f"`{name}`" not in readme]
    assert not missing, f"deploy/README.md does not list {missing}"


def test_dashboard_shows_every_gauge_of_the_services_and_the_consumer_lag():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = set().union(*(metrics_in(expr) for expr in exprs))
    assert used <= EXPORTED, used - EXPORTED
    assert SERVICE_METRICS | {"kafka_consumergroup_lag"} <= used
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


@overlays
def test_dashboard_is_shipped_as_a_configmap_grafana_loads(overlay):
    configmap = by_name(render(overlay), "ConfigMap")["tadamon-dashboard"]
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["tadamon.json"]) == json.loads(DASHBOARD.read_text(encoding="utf-8"))
