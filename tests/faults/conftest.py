"""Fixtures of the fault tests: their own Kafka and MongoDB, keys for the service processes.

The servers start with the first fault test that asks for them, are checked (and
restarted if a failed test left one down) before each test, and stop as soon as the
run leaves this folder, so the rest of a `make test` run does not carry them.
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults_support import ROOT, FaultStack, ServiceKeys, Services

from support import unique

HERE = Path(__file__).resolve().parent
_stack: list[FaultStack] = []


def _own_stack() -> FaultStack:
    if not _stack:
        state = Path(tempfile.mkdtemp(prefix="faults-", dir=ROOT / ".local"))
        _stack.append(FaultStack(state=state))
    return _stack[0]


@pytest.fixture
def fault_stack() -> Iterator[FaultStack]:
    servers = _own_stack()
    servers.ensure_up()
    yield servers


@pytest.fixture(scope="session")
def service_keys(tmp_path_factory: pytest.TempPathFactory) -> ServiceKeys:
    return ServiceKeys.generate(tmp_path_factory.mktemp("fault-keys"))


def _in_this_folder(item: pytest.Item | None) -> bool:
    return item is not None and HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _stack and not _in_this_folder(nextitem):
        _stack.pop().close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    while _stack:
        _stack.pop().close()


@pytest.fixture
def services(request: pytest.FixtureRequest, fault_stack: FaultStack, service_keys: ServiceKeys,
             tmp_path: Path) -> Iterator[Services]:
    """Service processes of this test on our own servers (own topic prefix and databases); stopped at the end."""
    name = request.node.name.removeprefix("test_")[:24].replace("_", "-")
    started = Services(folder=tmp_path, fault_stack=fault_stack, keys=service_keys, prefix=unique(name) + ".")
    try:
        yield started
    finally:
        started.stop_all()
