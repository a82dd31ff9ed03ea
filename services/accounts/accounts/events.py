"""Messages the accounts service publishes: none.

Accounts, teams and sessions stay in this service; the other services learn who a caller
is from the access token alone (its ``sub``, ``name`` and ``scopes``), verified with the
keys of ``/.well-known/jwks.json``. No personal data of an account ever goes to Kafka.
"""

TOPICS: list[str] = []
