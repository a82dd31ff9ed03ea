#!/bin/bash
# Starts the single Kafka node of docker-compose.production.yml (KRaft, broker and
# controller in one process). Clients must authenticate with SCRAM-SHA-512 on
# kafka:9092; the controller and broker-to-itself listeners answer on 127.0.0.1
# only. The services' users are created when the storage is formatted, that is
# on the first start with an empty volume (deploy/compose/README.md for changing
# a password later).
set -euo pipefail

kafka_home="${KAFKA_HOME:-/opt/kafka}"
data="${KAFKA_DATA_DIR:-/var/lib/kafka/data}"
config="${KAFKA_CONFIG_FILE:-/tmp/server.properties}"
clients_port="${KAFKA_CLIENTS_PORT:-9092}"
advertised_host="${KAFKA_ADVERTISED_HOST:-kafka}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
broker_port="${KAFKA_BROKER_PORT:-9094}"

cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=CLIENTS://:${clients_port},CONTROLLER://127.0.0.1:${controller_port},BROKER://127.0.0.1:${broker_port}
advertised.listeners=CLIENTS://${advertised_host}:${clients_port},BROKER://127.0.0.1:${broker_port}
listener.security.protocol.map=CLIENTS:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT,BROKER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=BROKER
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.clients.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=${data}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=6
auto.create.topics.enable=false
PROPERTIES

if [ ! -f "$data/meta.properties" ]; then
    scram=()
    for service in registration agenda recommendations marketplace accounts; do
        variable="${service^^}_KAFKA_PASSWORD"
        scram+=(--add-scram "SCRAM-SHA-512=[name=${service},password=${!variable:?${variable} is not set}]")
    done
    "$kafka_home/bin/kafka-storage.sh" format --config "$config" \
        --cluster-id "${KAFKA_CLUSTER_ID:?KAFKA_CLUSTER_ID is not set}" "${scram[@]}"
fi
exec "$kafka_home/bin/kafka-server-start.sh" "$config"
