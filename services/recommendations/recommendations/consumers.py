"""Kafka handlers of the recommendations service."""

from shared.consumer import ConsumerSpec

CONSUMED_TOPICS: list[str] = []


def consumer_specs() -> list[ConsumerSpec]:
    return []
