"""Messages the registration service publishes."""

TOPICS: list[str] = []
