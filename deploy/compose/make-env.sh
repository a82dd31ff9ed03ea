#!/usr/bin/env bash
# Writes the settings and generated passwords of docker-compose.production.yml
# into a new file (default .env.production, mode 0600), for:
#   docker compose --env-file .env.production -f docker-compose.production.yml up -d
# It refuses to overwrite an existing file: the passwords are in MongoDB's and
# Kafka's volumes from the first start on.
set -euo pipefail

out="${1:-.env.production}"
domain="${TADAMON_DOMAIN:?set TADAMON_DOMAIN, for example tadamon.ma}"
email="${ACME_EMAIL:?set ACME_EMAIL, the address the certificate authority writes to}"
if [ -e "$out" ]; then
    echo "$out exists, kept" >&2
    exit 1
fi
secret() { openssl rand -hex 24; }
umask 077
{
    echo "TADAMON_DOMAIN=$domain"
    echo "ACME_EMAIL=$email"
    echo "ADMIN_ALLOWED_RANGES=${ADMIN_ALLOWED_RANGES:-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16}"
    echo "SMTP_HOST=${SMTP_HOST:-smtp-relay.$domain}"
    echo "SMTP_PORT=${SMTP_PORT:-587}"
    echo "MAIL_FROM=${MAIL_FROM:-no-reply@$domain}"
    echo "MONGO_ROOT_PASSWORD=$(secret)"
    echo "BACKUP_MONGO_PASSWORD=$(secret)"
    echo "KAFKA_CLUSTER_ID=$(openssl rand -base64 16 | tr '+/' '-_' | tr -d '=')"
    for service in REGISTRATION AGENDA RECOMMENDATIONS MARKETPLACE ACCOUNTS; do
        echo "${service}_MONGO_PASSWORD=$(secret)"
        echo "${service}_KAFKA_PASSWORD=$(secret)"
    done
} > "$out"
echo "wrote $out"
