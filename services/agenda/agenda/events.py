"""Messages the agenda service publishes."""

TOPICS: list[str] = []
