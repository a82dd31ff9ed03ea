"""Test harness: one real Kafka broker and one MongoDB-protocol server per test run.

Both start on free ports under .local/test-<pid>/ and are stopped at the end. To
reuse servers already running (faster while developing), set
TADAMON_TEST_KAFKA=host:port and TADAMON_TEST_MONGO=mongodb://... .
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import kafka_broker, mongo_mail, probes, processes
from support import Infra, Keys

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    kafka = os.environ.get("TADAMON_TEST_KAFKA")
    mongo = os.environ.get("TADAMON_TEST_MONGO")
    state = ROOT / ".local" / f"test-{os.getpid()}"
    state.mkdir(parents=True, exist_ok=True)
    started: list[Path] = []
    if not kafka:
        libs = kafka_broker.ensure_kafka_libs(ROOT)
        port, controller = probes.free_port(), probes.free_port()
        kafka_broker.start_kafka(state / "kafka", port, controller, libs)
        started.append(state / "kafka" / "kafka.pid")
        kafka = f"127.0.0.1:{port}"
    if not mongo:
        port = probes.free_port()
        mongo_mail.start_mongo(state / "mongo", port)
        started.append(state / "mongo" / "mongo.pid")
        mongo = mongo_mail.local_mongo_url(port)
    try:
        yield Infra(kafka_bootstrap=kafka, mongo_url=mongo, state_dir=state, root=ROOT)
    finally:
        for pidfile in reversed(started):
            processes.stop_pid(pidfile)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys.generate(tmp_path_factory.mktemp("keys"))
