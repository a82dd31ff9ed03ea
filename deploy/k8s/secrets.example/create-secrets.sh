#!/usr/bin/env bash
# Creates, in one namespace, the Secrets that the manifests reference but never
# contain. Run it once before the first `kubectl apply -k`:
#
#   deploy/k8s/secrets.example/create-secrets.sh tadamon-dev path/to/jwt_public.pem
#
# SMTP_USERNAME and SMTP_PASSWORD in the environment are the mail relay's account
# for registration (Secret registration-smtp); without them the Secret is not made.
#
# The second argument is the PEM public key of the identity provider that signs
# the bearer tokens. Signing keys and MongoDB passwords are generated here and
# never leave the cluster. A Secret that already exists is kept, so running the
# script again rotates nothing. The Secrets made by the operators (the KafkaUser
# passwords, Strimzi's cluster CA, MongoDB's system users and TLS certificates)
# are not here.
set -euo pipefail

namespace="${1:?usage: create-secrets.sh NAMESPACE JWT_PUBLIC_KEY_PEM}"
jwt_public_key="${2:?usage: create-secrets.sh NAMESPACE JWT_PUBLIC_KEY_PEM}"
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

create() {
    local name="$1"
    shift
    if kubectl --namespace "$namespace" get secret "$name" > /dev/null 2>&1; then
        echo "secret/$name exists, kept"
    else
        kubectl --namespace "$namespace" create secret generic "$name" "$@"
    fi
}

ed25519_key() {
    openssl genpkey -algorithm ed25519 -out "$work/$1.pem"
    echo "$work/$1.pem"
}

password() {
    # Hex: nothing to escape in the connection string built below.
    openssl rand -hex 24
}

# Verifies bearer tokens (JWT_PUBLIC_KEY_FILE of every service).
create tadamon-jwt-public-key --from-file=public.pem="$jwt_public_key"

# Ed25519 keys that sign badges, passes and manage tokens (SIGNING_KEY_FILE).
create registration-signing-key --from-file=private.pem="$(ed25519_key registration)"
create marketplace-signing-key --from-file=private.pem="$(ed25519_key marketplace)"
# The accounts service signs access tokens; the other services read its public half
# from its JWKS (JWT_JWKS_URL). Rotation: docs/SECURITY.md.
create accounts-signing-key --from-file=private.pem="$(ed25519_key accounts)"
# The marketplace mints exhibitor tokens (accepted invitations) with its own key,
# trusted by the marketplace alone (JWT_PRIVATE_KEY_FILE).
create marketplace-exhibitor-jwt-key --from-file=private.pem="$(ed25519_key marketplace-exhibitor-jwt)"

# Agenda verifies registration's manage tokens offline (REGISTRATION_PUBLIC_KEY_FILE):
# the public half of the key stored above, whether made now or earlier.
kubectl --namespace "$namespace" get secret registration-signing-key -o 'jsonpath={.data.private\.pem}' \
    | base64 --decode | openssl pkey -pubout -out "$work/registration-public.pem"
create registration-public-key --from-file=public.pem="$work/registration-public.pem"

# Password of each service's MongoDB user (PerconaServerMongoDB spec.users[].passwordSecretRef)
# and its connection string (MONGO_URL): the SRV name of the replica set's service
# lists every member, TLS is verified against the CA bundle the pods assemble.
mongodb_user() {
    local service="$1" stored
    create "$service-mongodb-password" --from-literal=password="$(password)"
    stored="$(kubectl --namespace "$namespace" get secret "$service-mongodb-password" \
        -o 'jsonpath={.data.password}' | base64 --decode)"
    create "$service-mongodb" --from-literal=connectionString.standard="mongodb+srv://$service:$stored@tadamon-mongodb-rs0.$namespace.svc.cluster.local/?authSource=admin&replicaSet=rs0&tls=true&tlsCAFile=/etc/tadamon/ca/bundle.pem"
}
mongodb_user registration
mongodb_user agenda
mongodb_user recommendations
mongodb_user marketplace
mongodb_user accounts

# The mail relay's account of registration (SMTP_USERNAME, SMTP_PASSWORD).
if [ -n "${SMTP_USERNAME:-}" ]; then
    create registration-smtp --from-literal=username="$SMTP_USERNAME" \
        --from-literal=password="${SMTP_PASSWORD:?SMTP_PASSWORD is needed with SMTP_USERNAME}"
else
    echo "SMTP_USERNAME not set: secret/registration-smtp not made (registration will not start without it)"
fi
