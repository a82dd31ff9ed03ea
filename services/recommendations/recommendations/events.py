"""Messages the recommendations service publishes."""

TOPICS: list[str] = []
