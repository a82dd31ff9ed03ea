#!/bin/bash
# Nightly MongoDB backup of docker-compose.production.yml: a gzip archive of every
# database with the oplog written while it ran (a consistent point), into the
# `backups` volume, keeping BACKUP_KEEP_DAYS days. Copy that volume off the
# machine (deploy/compose/README.md).
set -euo pipefail

keep_days="${BACKUP_KEEP_DAYS:-14}"
uri="mongodb://backup:${BACKUP_MONGO_PASSWORD:?BACKUP_MONGO_PASSWORD is not set}@mongo:27017/?replicaSet=rs0&authSource=admin"
while true; do
    archive="/backups/tadamon-$(date -u +%Y%m%dT%H%M%SZ).archive.gz"
    if mongodump --uri="$uri" --oplog --gzip --archive="$archive.part"; then
        mv "$archive.part" "$archive"
        echo "backup written: $archive"
        find /backups -name 'tadamon-*.archive.gz' -mtime "+$keep_days" -delete
    else
        rm -f "$archive.part"
        echo "backup failed, next try in an hour" >&2
        sleep 3600
        continue
    fi
    sleep 86400
done
