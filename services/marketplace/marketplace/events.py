"""Messages the marketplace service publishes."""

TOPICS: list[str] = []
