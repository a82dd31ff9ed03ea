"""The Kustomize overlays render, their core objects are valid Kubernetes, and the
services' workloads keep the platform's rules (security, probes, scaling, network)."""

import re

import kubernetes_validate
import pytest
from deploy_support import (
    KAFKA_CLUSTER,
    OVERLAYS,
    ROOT,
    architecture_env_names,
    architecture_services,
    by_name,
    configmap_for,
    env_names_of,
    is_custom,
    of_kind,
    render,
)

# The first render may build kustomize (infra/install-kustomize.sh), minutes on a
# cold Go cache; `make test` runs that script first, this is the safety net.
pytestmark = pytest.mark.timeout(900)

# The cluster version the manifests are validated against (a version
# kubernetes-validate ships schemas for).
KUBERNETES_VERSION = "1.33.0"
# Not a setting of the services: OpenSSL's trust store, set to the system CAs
# plus Strimzi's cluster CA (see the Deployments' init container).
PROCESS_ENV = {"SSL_CERT_FILE"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}

overlays = pytest.mark.parametrize("overlay", sorted(OVERLAYS))
services = pytest.mark.parametrize("service", sorted(architecture_services()))


def deployment(overlay: str, service: str) -> dict:
    deployments = by_name(render(overlay), "Deployment")
    assert service in deployments, f"overlay {overlay} has no Deployment {service}"
    return deployments[service]


def pod_labels(manifest: dict) -> dict:
    return manifest["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@overlays
def test_every_object_of_the_overlay_is_in_its_namespace(overlay):
    for manifest in render(overlay):
        if manifest["kind"] not in CLUSTER_SCOPED:
            assert manifest["metadata"].get("namespace") == OVERLAYS[overlay], manifest["metadata"]["name"]
    assert OVERLAYS[overlay] in by_name(render(overlay), "Namespace")


@overlays
def test_core_objects_are_valid_for_kubernetes_in_strict_mode(overlay):
    core = [m for m in render(overlay) if not is_custom(m)]
    assert len(core) > 20
    for manifest in core:
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{manifest['kind']}/{manifest['metadata']['name']}: {error.message} "
                        f"at {'.'.join(map(str, error.path))}")


@overlays
def test_no_secret_value_is_committed(overlay):
    assert of_kind(render(overlay), "Secret") == []


@overlays
@services
def test_pods_run_unprivileged_on_a_read_only_filesystem(overlay, service):
    pod = deployment(overlay, service)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"] + pod.get("initContainers", []):
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, container["name"]
        assert security["readOnlyRootFilesystem"] is True, container["name"]
        assert security["capabilities"]["drop"] == ["ALL"], container["name"]
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{container['name']} {kind}"
    volumes = {v["name"]: v for v in pod["volumes"]}
    tmp = [m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert tmp and "emptyDir" in volumes[tmp[0]["name"]], "/tmp must be a writable emptyDir"


@overlays
@services
def test_probes_use_healthz_and_readyz_on_the_service_port(overlay, service):
    container = deployment(overlay, service)["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": architecture_services()[service].port}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


@overlays
@services
def test_the_autoscaler_owns_the_replica_count(overlay, service):
    manifests = render(overlay)
    assert "replicas" not in deployment(overlay, service)["spec"]
    hpa = by_name(manifests, "HorizontalPodAutoscaler")[service]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    if overlay == "production":
        assert hpa["spec"]["minReplicas"] >= 2


@overlays
@services
def test_disruption_budget_and_service_select_the_pods(overlay, service):
    manifests = render(overlay)
    labels = pod_labels(deployment(overlay, service))
    pdb = by_name(manifests, "PodDisruptionBudget")[service]
    assert pdb["apiVersion"] == "policy/v1"
    assert selects(pdb["spec"]["selector"]["matchLabels"], labels)
    svc = by_name(manifests, "Service")[service]
    assert selects(svc["spec"]["selector"], labels)
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [
        (architecture_services()[service].port, "http")]


@overlays
@services
def test_network_policy_admits_only_the_gateway_proxies_and_prometheus(overlay, service):
    """...and, for the accounts service alone, the platform's own pods reading its JWKS."""
    policy = by_name(render(overlay), "NetworkPolicy")[service]
    assert selects(policy["spec"]["podSelector"]["matchLabels"], pod_labels(deployment(overlay, service)))
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    sources = set()
    for rule in policy["spec"]["ingress"]:
        assert [p["port"] for p in rule["ports"]] == ["http"]
        for peer in rule["from"]:
            if "namespaceSelector" in peer:
                sources.add(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
            else:
                assert peer["podSelector"]["matchLabels"] == {"app.kubernetes.io/part-of": "tadamon"}
                sources.add("tadamon pods")
    expected = {"envoy-gateway-system", "monitoring"} | ({"tadamon pods"} if service == "accounts" else set())
    assert sources == expected


@overlays
@services
def test_network_policy_lets_out_only_kafka_mongodb_dns_mail_and_the_jwks(overlay, service):
    policy = by_name(render(overlay), "NetworkPolicy")[service]
    ports = {(p["port"], p.get("protocol", "TCP")) for rule in policy["spec"]["egress"] for p in rule["ports"]}
    expected = {(9092, "TCP"), (9093, "TCP"), (27017, "TCP"), (53, "UDP"), (53, "TCP")}
    if service in ("registration", "accounts", "marketplace"):
        expected |= {(587, "TCP"), (25, "TCP")}
    if service != "accounts":
        expected |= {(8005, "TCP")}  # the JWKS of the accounts service
    assert ports == expected
    kafka_rules = [r for r in policy["spec"]["egress"] if {p["port"] for p in r["ports"]} == {9092, 9093}]
    assert kafka_rules[0]["to"][0]["podSelector"]["matchLabels"]["strimzi.io/cluster"] == KAFKA_CLUSTER


def listeners(overlay: str) -> dict[str, dict]:
    (gateway,) = of_kind(render(overlay), "Gateway")
    return {listener["name"]: listener for listener in gateway["spec"]["listeners"]}


def routes_of(overlay: str) -> dict[str, dict]:
    return by_name(render(overlay), "HTTPRoute")


@overlays
def test_gateway_routes_a_host_of_its_own_to_each_service(overlay):
    hosts = listeners(overlay)
    for service, row in architecture_services().items():
        route = routes_of(overlay)[service]
        assert route["spec"]["parentRefs"] == [{"name": "tadamon", "sectionName": service}]
        assert "hostnames" not in route["spec"], "hosts belong to the Gateway's listeners"
        assert hosts[service]["hostname"].startswith(f"{service}.")
        (default,) = [r for r in route["spec"]["rules"] if "matches" not in r]
        assert default["backendRefs"] == [{"name": service, "port": row.port}]
    assert len({listener.get("hostname") for listener in hosts.values()}) == len(hosts)


@overlays
@services
def test_admin_and_metrics_are_not_served_on_the_public_hosts(overlay, service):
    route = routes_of(overlay)[service]
    hidden = {m["path"]["value"] for rule in route["spec"]["rules"] for m in rule.get("matches", [])
              if [f["type"] for f in rule.get("filters", [])] == ["ExtensionRef"] and not rule.get("backendRefs")}
    assert hidden == {"/admin", "/metrics"}
    (ref,) = {f["extensionRef"]["name"] for rule in route["spec"]["rules"] for f in rule.get("filters", [])}
    assert by_name(render(overlay), "HTTPRouteFilter")[ref]["spec"]["directResponse"]["statusCode"] == 404


@overlays
def test_registration_admin_api_is_reached_on_the_admin_host_only(overlay):
    admin = routes_of(overlay)["admin"]
    assert admin["spec"]["parentRefs"] == [{"name": "tadamon", "sectionName": "admin"}]
    assert listeners(overlay)["admin"]["hostname"].startswith("admin.")
    (rule,) = admin["spec"]["rules"]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/registration/admin"}}]
    assert rule["filters"][0]["urlRewrite"]["path"]["replacePrefixMatch"] == "/admin"
    assert rule["backendRefs"] == [{"name": "registration", "port": architecture_services()["registration"].port}]


def test_production_serves_every_host_over_https_with_the_managed_certificate():
    hosts = listeners("production")
    (certificate,) = of_kind(render("production"), "Certificate")
    for name, listener in hosts.items():
        if name == "http":
            assert listener["port"] == 80 and "hostname" not in listener
            continue
        assert (listener["protocol"], listener["port"]) == ("HTTPS", 443), name
        assert listener["tls"]["certificateRefs"] == [{"name": certificate["spec"]["secretName"]}]
        assert listener["hostname"] in certificate["spec"]["dnsNames"]
    redirect = routes_of("production")["https-redirect"]
    assert redirect["spec"]["parentRefs"] == [{"name": "tadamon", "sectionName": "http"}]
    assert redirect["spec"]["rules"][0]["filters"][0]["requestRedirect"]["scheme"] == "https"


@overlays
def test_public_registration_and_sign_in_are_rate_limited_per_client(overlay):
    policies = {p["spec"]["targetRefs"][0]["name"]: p for p in of_kind(render(overlay), "BackendTrafficPolicy")}
    limited = {"registration": ["/conferences/c1/registrations", "/register/c1"],
               "marketplace": ["/exhibitor/signin"],
               "accounts": ["/signin", "/signin/code", "/device", "/reset", "/reset/password", "/invitation"]}
    for route, paths in limited.items():
        rules = policies[route]["spec"]["rateLimit"]["global"]["rules"]
        for path in paths:
            matching = [r for r in rules if _selects(r["clientSelectors"][0], "POST", path)]
            assert matching, f"POST {path} is not limited"
            assert all(r["clientSelectors"][0]["sourceCIDR"]["type"] == "Distinct" for r in matching)
    assert not _selects(policies["registration"]["spec"]["rateLimit"]["global"]["rules"][0]["clientSelectors"][0],
                        "GET", "/register/c1")
    (accounts,) = policies["accounts"]["spec"]["rateLimit"]["global"]["rules"]
    assert not _selects(accounts["clientSelectors"][0], "GET", "/signin")
    assert not _selects(accounts["clientSelectors"][0], "POST", "/device/new")


def _selects(selector: dict, method: str, path: str) -> bool:
    methods = [m["value"] for m in selector.get("methods", [])]
    if methods and method not in methods:
        return False
    match = selector.get("path", {"type": "PathPrefix", "value": "/"})
    if match["type"] == "RegularExpression":
        return re.fullmatch(match["value"], path) is not None
    return path.startswith(match["value"])


@overlays
@services
def test_configuration_uses_the_names_of_the_architecture(overlay, service):
    manifests = render(overlay)
    unknown = env_names_of(manifests, deployment(overlay, service)) - architecture_env_names() - PROCESS_ENV
    assert not unknown, f"{service}: not in docs/ARCHITECTURE.md: {sorted(unknown)}"


@overlays
@services
def test_configuration_of_each_service(overlay, service):
    manifests = render(overlay)
    row = architecture_services()[service]
    config = configmap_for(manifests, deployment(overlay, service))
    assert config["SERVICE_NAME"] == service
    assert config["PORT"] == str(row.port)
    assert config["MONGO_DB"] == row.database
    # Topics are KafkaTopic resources in Kubernetes; the services must not create them.
    assert config["KAFKA_CREATE_TOPICS"] == "false"
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert config["KAFKA_SASL_USERNAME"] == service
    assert config["KAFKA_BOOTSTRAP_SERVERS"] == f"{KAFKA_CLUSTER}-kafka-bootstrap:9093"
    if overlay == "production":
        assert config["PUBLIC_BASE_URL"].startswith("https://")


@overlays
@services
def test_credentials_come_from_the_operators_secrets(overlay, service):
    manifests = render(overlay)
    container = deployment(overlay, service)["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    (mongodb,) = of_kind(manifests, "PerconaServerMongoDB")
    assert service in {u["name"] for u in mongodb["spec"]["users"]}
    assert env["MONGO_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": f"{service}-mongodb", "key": "connectionString.standard"}
    assert service in by_name(manifests, "KafkaUser")
    assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": service, "key": "password"}


def referenced_secrets(manifests: list[dict]) -> set[str]:
    names = set()
    for dep in of_kind(manifests, "Deployment"):
        pod = dep["spec"]["template"]["spec"]
        names |= {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
        for container in pod["containers"] + pod.get("initContainers", []):
            names |= {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", [])
                      if "secretKeyRef" in e.get("valueFrom", {})}
    for mongodb in of_kind(manifests, "PerconaServerMongoDB"):
        names |= {u["passwordSecretRef"]["name"] for u in mongodb["spec"]["users"]}
        names |= {s["s3"]["credentialsSecret"] for s in mongodb["spec"]["backup"].get("storages", {}).values()}
    for gateway in of_kind(manifests, "Gateway"):
        names |= {ref["name"] for listener in gateway["spec"]["listeners"]
                  for ref in listener.get("tls", {}).get("certificateRefs", [])}
    return names


def operator_made_secrets(manifests: list[dict]) -> set[str]:
    made = {f"{kafka['metadata']['name']}-cluster-ca-cert" for kafka in of_kind(manifests, "Kafka")}
    made |= set(by_name(manifests, "KafkaUser"))
    made |= {certificate["spec"]["secretName"] for certificate in of_kind(manifests, "Certificate")}
    for mongodb in of_kind(manifests, "PerconaServerMongoDB"):
        made |= {mongodb["spec"]["secrets"]["users"], f"{mongodb['metadata']['name']}-ssl"}
    return made


def scripted_secrets() -> set[str]:
    """Secrets create-secrets.sh makes: `create NAME ...` lines, and a password and a
    connection string per `mongodb_user SERVICE` line."""
    script = (ROOT / "deploy" / "k8s" / "secrets.example" / "create-secrets.sh").read_text()
    names = set()
    for line in script.splitlines():
        if line.startswith("create "):
            names.add(line.split()[1])
        elif line.startswith("mongodb_user "):
            service = line.split()[1]
            names |= {f"{service}-mongodb-password", f"{service}-mongodb"}
    return names


@overlays
def test_every_secret_is_made_by_an_operator_or_by_the_documented_script(overlay):
    manifests = render(overlay)
    readme = (ROOT / "deploy" / "README.md").read_text()
    missing = {name for name in referenced_secrets(manifests) - operator_made_secrets(manifests) - scripted_secrets()
               if f"`{name}`" not in readme}
    assert not missing, f"Secrets nobody creates (add them to create-secrets.sh or deploy/README.md): {missing}"


@overlays
@services
def test_key_files_of_the_configuration_are_mounted(overlay, service):
    manifests = render(overlay)
    dep = deployment(overlay, service)
    container = dep["spec"]["template"]["spec"]["containers"][0]
    mounts = [m["mountPath"] for m in container["volumeMounts"]]
    for name, value in configmap_for(manifests, dep).items():
        if name.endswith("_FILE"):
            assert any(value.startswith(f"{path}/") for path in mounts), f"{name}={value} is on no volume"


REGISTRIES = {"dev": "registry.tadamon.local", "production": "registry.tadamon.ma"}


@overlays
@services
def test_images_come_from_the_registry_the_overlay_names(overlay, service):
    pod = deployment(overlay, service)["spec"]["template"]["spec"]
    for container in pod["containers"] + pod.get("initContainers", []):
        assert container["image"].startswith(f"{REGISTRIES[overlay]}/tadamon/{service}:"), container["image"]
