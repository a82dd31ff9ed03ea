"""Settings common to every service, read from the environment.

Each service subclasses ``ServiceSettings``; instances are built in ``main`` or in
tests and handed to ``create_app(settings)``, never at import time.
"""

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.limits import MAX_BODY_BYTES


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    service_name: str
    # "production" makes a service refuse to start without the keys it signs or
    # verifies with, instead of falling back to a key made in memory.
    environment: str = "development"
    host: str = "0.0.0.0"
    port: int = 8000
    log_level: str = "INFO"
    public_base_url: str = ""

    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str = ""

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = ""
    kafka_create_topics: bool = True
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = ""
    # Consumers: a new group starts at the beginning so nothing published before
    # the first deployment is missed.
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 1_000
    # How often the producer checks that Kafka answers (the tadamon_kafka_up gauge).
    kafka_probe_seconds: float = 5.0

    jwt_public_key_file: str = ""
    jwt_public_key: str = ""
    jwt_jwks_url: str = ""
    jwt_issuer: str = "tadamon"
    jwt_audience: str = "tadamon"
    # The accounts service: browsers without a valid access cookie are sent to its
    # /auth/refresh (then /signin) and come back.
    accounts_url: str = "http://127.0.0.1:8005"
    # Where each service's organizer console is reached, for the navigation they share.
    registration_url: str = "http://127.0.0.1:8001"
    agenda_url: str = "http://127.0.0.1:8002"
    recommendations_url: str = "http://127.0.0.1:8003"
    marketplace_url: str = "http://127.0.0.1:8004"

    # Pauses before retrying a failing consumer handler; after the last one the
    # message goes to the DLQ.
    consumer_retry_seconds: list[float] = [0.2, 1.0, 5.0]
    # The messages of one fetch are applied in shared transactions of at most this many
    # messages, each closed once this much time went into it (shorter transactions
    # conflict less); a fetch brings at most 100 records of a partition.
    consumer_batch_messages: int = Field(default=100, ge=1, le=100)
    consumer_batch_seconds: float = Field(default=0.5, gt=0, le=10)

    # Request bodies above this many bytes are refused with 413 before anything reads them.
    max_body_bytes: int = MAX_BODY_BYTES

    outbox_poll_seconds: float = 0.5
    outbox_lease_seconds: float = 30.0
    # A change stream on the outbox wakes the relay when another process of the service (a
    # replica, a worker) commits an entry. Where each service runs as one process, as the
    # local stack does, the committing code wakes it itself and the stream only costs the
    # database: every stream reads every write of the server.
    outbox_watch: bool = True

    # Background jobs (shared.jobs): the pause between looks for new ones when nothing wakes
    # the worker, and how long a claimed job stays with its worker without a renewal.
    jobs_poll_seconds: float = 2.0
    jobs_lease_seconds: float = 30.0

    # How long a topic keeps its messages (retention.ms of every topic in
    # deploy/k8s/base/kafka/topics.yaml; dead-letter topics keep theirs 30 days).
    kafka_topic_retention_days: int = 365
    kafka_dlq_retention_days: int = 30
    # Sent outbox entries and consumers' processed-message markers expire (TTL indexes)
    # only after the topics have dropped the message: a group that lost its offsets and
    # reads a topic again from its start still finds a marker for every message there.
    outbox_sent_retention_days: int = 400
    processed_marker_retention_days: int = 400

    @model_validator(mode="after")
    def _markers_outlive_the_topics(self) -> "ServiceSettings":
        for name in ("outbox_sent_retention_days", "processed_marker_retention_days"):
            if getattr(self, name) <= self.kafka_topic_retention_days:
                raise ValueError(f"{name} must be longer than kafka_topic_retention_days")
        return self

    @property
    def production(self) -> bool:
        return self.environment.strip().lower() == "production"

    @property
    def database_name(self) -> str:
        return self.mongo_db or f"tadamon_{self.service_name}"

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://127.0.0.1:{self.port}"

    def topic(self, name: str) -> str:
        return f"{self.kafka_topic_prefix}{name}"

    def group(self, name: str) -> str:
        return f"{self.kafka_topic_prefix}{name}"

    def jwt_verification_keys(self) -> list[str]:
        keys = []
        if self.jwt_public_key:
            keys.append(self.jwt_public_key)
        if self.jwt_public_key_file:
            keys.append(Path(self.jwt_public_key_file).read_text())
        return keys
