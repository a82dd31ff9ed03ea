"""Where the stack listens, where results go, and the two scales (full and --quick)."""

import secrets
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

import infra
from infra import local_stack, mongo_mail

ROOT = infra.ROOT
KEYS = ROOT / ".local" / "keys"
PIDS = ROOT / ".local" / "pids"
RESULTS = ROOT / "bench" / "results"
MONGO_URL = mongo_mail.local_mongo_url(local_stack.MONGO_PORT)
KAFKA_BOOTSTRAP = f"127.0.0.1:{local_stack.KAFKA_PORT}"
SERVICE_NAMES = tuple(local_stack.SERVICES)


def service_url(name: str) -> str:
    return f"http://127.0.0.1:{local_stack.SERVICES[name]}"


def service_db(name: str) -> str:
    return f"tadamon_{name}"


def pidfile(name: str) -> Path:
    return PIDS / f"{name}.pid"


@dataclass(frozen=True)
class Scale:
    """How big each scenario is; ``quick`` is a tenth of the full run for trying things out."""

    name: str
    registrations: int
    seats: int
    registration_clients: int
    scans: int
    scanners: int
    batch_size: int
    message_probes: int
    poll_interval: float
    exhibitors: int
    markets: int
    kafka_probes: int
    db_baseline_transactions: int
    db_conflict_transactions: int
    db_batch_size: int  # registrations per transaction in the batched database baseline
    open_loop_rates: tuple[int, ...]  # registrations per second offered, one phase per rate
    open_loop_seconds: float  # how long each rate is offered
    open_loop_max_in_flight: int  # client connections at most; a request due while all are busy waits (timed)


FULL = Scale(
    name="full", registrations=10_000, seats=5_000, registration_clients=200, scans=5_000, scanners=50,
    batch_size=25, message_probes=1_000, poll_interval=0.02, exhibitors=150, markets=3, kafka_probes=1_000,
    db_baseline_transactions=10_000, db_conflict_transactions=1_000, db_batch_size=50,
    open_loop_rates=(100, 200), open_loop_seconds=60.0, open_loop_max_in_flight=1_000,
)
QUICK = Scale(
    name="quick", registrations=1_000, seats=500, registration_clients=200, scans=500, scanners=50,
    batch_size=5, message_probes=100, poll_interval=0.02, exhibitors=30, markets=3, kafka_probes=200,
    db_baseline_transactions=1_000, db_conflict_transactions=300, db_batch_size=50,
    open_loop_rates=(100, 200), open_loop_seconds=6.0, open_loop_max_in_flight=1_000,
)


def scale_with(base: Scale, overrides: dict[str, str]) -> Scale:
    """``base`` with some fields replaced (``--set registrations=2000``, ``--set open_loop_rates=50,100``),
    converted to the field's type."""
    types = {f.name: f.type for f in fields(Scale)}
    converted: dict[str, object] = {}
    for key, raw in overrides.items():
        if key not in types or key == "name":
            raise SystemExit(f"unknown scale field {key!r}; one of {', '.join(t for t in types if t != 'name')}")
        if types[key] in (float, "float"):
            converted[key] = float(raw)
        elif str(types[key]).startswith("tuple"):
            converted[key] = tuple(int(part) for part in raw.split(",") if part.strip())
        else:
            converted[key] = int(raw)
    return replace(base, **converted) if converted else base  # type: ignore[arg-type]


def new_run_id() -> str:
    """Unique per run (conference, market and register numbers derive from it): reruns never collide."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
