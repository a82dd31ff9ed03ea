"""deploy/k8s/secrets.example/create-secrets.sh, run against a stand-in for kubectl
that keeps Secrets as files: the MongoDB connection strings it writes carry the
password stored for the same user, and a second run changes nothing."""

import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from deploy_support import ROOT, architecture_services

SCRIPT = ROOT / "deploy" / "k8s" / "secrets.example" / "create-secrets.sh"
# Answers the three calls the script makes: `get secret NAME`, `get secret NAME -o
# jsonpath={.data.KEY}` and `create secret generic NAME --from-literal/--from-file`.
FAKE_KUBECTL = r"""#!/usr/bin/env bash
set -euo pipefail
store="$FAKE_KUBECTL_STORE"
[ "$1" = --namespace ] && shift 2
verb="$1"; kind="$2"
if [ "$verb" = get ] && [ "$kind" = secret ]; then
    name="$3"; [ -d "$store/$name" ] || exit 1
    if [ "${4:-}" = -o ]; then
        key="${5#jsonpath=\{.data.}"; key="${key%\}}"; key="${key//\\./.}"
        base64 -w 0 < "$store/$name/$key"
    fi
    exit 0
fi
if [ "$verb" = create ] && [ "$kind" = secret ] && [ "$3" = generic ]; then
    name="$4"; shift 4; mkdir -p "$store/$name"
    for arg in "$@"; do
        case "$arg" in
            --from-literal=*) pair="${arg#--from-literal=}"; printf '%s' "${pair#*=}" > "$store/$name/${pair%%=*}" ;;
            --from-file=*) pair="${arg#--from-file=}"; cp "${pair#*=}" "$store/$name/${pair%%=*}" ;;
        esac
    done
    echo "secret/$name created"
    exit 0
fi
echo "unexpected: $*" >&2
exit 2
"""


def run_script(tmp_path: Path, store: Path) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    jwt_public = tmp_path / "jwt_public.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(tmp_path / "jwt.pem")], check=True)
    subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "jwt.pem"), "-pubout", "-out", str(jwt_public)],
                   check=True)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_KUBECTL_STORE": str(store)}
    return subprocess.run(["bash", str(SCRIPT), "tadamon", str(jwt_public)], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    store = tmp_path / "secrets"
    store.mkdir()
    result = run_script(tmp_path, store)
    assert result.returncode == 0, result.stdout + result.stderr
    return store


@pytest.mark.parametrize("service", sorted(architecture_services()))
def test_connection_string_carries_the_stored_password_and_verifies_tls(store, service):
    password = (store / f"{service}-mongodb-password" / "password").read_text()
    url = urlsplit((store / f"{service}-mongodb" / "connectionString.standard").read_text())
    assert url.scheme == "mongodb+srv"
    assert (url.username, unquote(url.password or "")) == (service, password)
    assert url.hostname == "tadamon-mongodb-rs0.tadamon.svc.cluster.local"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {"authSource": "admin", "replicaSet": "rs0", "tls": "true",
                     "tlsCAFile": "/etc/tadamon/ca/bundle.pem"}


def test_a_second_run_keeps_every_secret(tmp_path, store):
    before = {path: path.read_bytes() for path in store.rglob("*") if path.is_file()}
    result = run_script(tmp_path, store)
    assert result.returncode == 0, result.stderr
    assert "created" not in result.stdout
    assert {path: path.read_bytes() for path in store.rglob("*") if path.is_file()} == before


def test_signing_keys_are_made_and_agenda_gets_registrations_public_half(store):
    derived = subprocess.run(["openssl", "pkey", "-in", str(store / "registration-signing-key" / "private.pem"),
                              "-pubout"], capture_output=True, text=True, check=True).stdout
    assert (store / "registration-public-key" / "public.pem").read_text() == derived
    for name in ("marketplace-signing-key", "marketplace-exhibitor-jwt-key", "accounts-signing-key"):
        assert "PRIVATE KEY" in (store / name / "private.pem").read_text(), name
