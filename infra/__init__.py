"""Local infrastructure: Kafka, the MongoDB-protocol server, the mail sink and the services.

Standard library only at import time (pymongo and cryptography are imported where used):
``make kafka-libs`` runs before the virtualenv has anything in it.

- ``processes``: start, record (PID files), recognise and stop processes;
- ``probes``: free ports and readiness checks (HTTP, Kafka, MongoDB, SMTP);
- ``kafka_broker``: the Kafka jars, the broker's configuration and start;
- ``mongo_mail``: SecantusDB (the MongoDB-protocol server) and the mail sink;
- ``keys``: the local key pairs, the demo administrator's password, bearer tokens;
- ``local_stack``: the stack ``make run`` starts on fixed ports, with its services;
- ``stack``: the command line the Makefile calls.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
