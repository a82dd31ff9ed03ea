"""What the benchmarks ran on, and how much CPU each process of the stack used during a phase.

CPU time is read from /proc for a process and all its descendants, so a figure says
which process was the bottleneck (a share near 100 % of one core is a saturated
single-threaded process; the machine's total is ``cores`` x 100 %).
"""

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.config import ROOT, pidfile
from infra import local_stack, processes

TICKS = os.sysconf("SC_CLK_TCK")
PACKAGES = ("fastapi", "uvicorn", "httpx", "pymongo", "aiokafka", "SecantusDB", "matplotlib", "uvloop", "httptools")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def _git_commit() -> str | None:
    # Read-only: the commit the code was run from (plus a marker when the tree has changes).
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}{'+changes' if dirty else ''}"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def kafka_version() -> str | None:
    """The Apache Kafka version of the running broker, from the jar on the classpath it was started with."""
    pid = processes.running_pid(pidfile("kafka"))
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if pid else []
    for classpath in (argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "-cp"):
        for jar in Path(classpath.removesuffix("*")).glob("kafka_2.13-*.jar"):
            return jar.stem.removeprefix("kafka_2.13-")
    return None


def machine_info() -> dict[str, object]:
    return {
        "cores": os.cpu_count(), "memory_gib": memory_gib(), "cpu_model": cpu_model(),
        "python": sys.version.split()[0], "platform": platform.platform(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "git_commit": _git_commit(), "packages": {p: _version(p) for p in PACKAGES},
        "kafka": kafka_version(),
    }


# ---- CPU accounting ---------------------------------------------------------------------


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far) of every process."""
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        raw = _read(f"/proc/{entry.name}/stat")
        if not raw:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return table


def _tree_cpu(table: dict[int, tuple[int, float]], root: int, others: set[int]) -> float:
    """CPU of ``root`` and its descendants, leaving out the subtrees of ``others`` (measured on their own)."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += table.get(pid, (0, 0.0))[1]
        todo.extend(child for child in children.get(pid, []) if child not in others)
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in _read("/proc/stat").splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def stack_processes() -> dict[str, int]:
    """The PIDs `make run` recorded for the services, MongoDB, Kafka and the mail sink."""
    found = {}
    for name in (*local_stack.SERVICES, "mongo", "kafka", "smtp"):
        pid = processes.running_pid(pidfile(name))
        if pid is not None:
            found[name] = pid
    return found


@dataclass
class CpuMeter:
    """CPU used by named process trees (and the whole machine) between ``start`` and ``stop``."""

    processes: dict[str, int]
    _began: float = 0.0
    _before: dict[str, float] = field(default_factory=dict)
    _machine: tuple[float, float] = (0.0, 0.0)

    def start(self) -> "CpuMeter":
        self._before = self._sample()
        self._machine = _machine_busy()
        self._began = time.monotonic()
        return self

    def _sample(self) -> dict[str, float]:
        table, roots = _process_table(), set(self.processes.values())
        return {name: _tree_cpu(table, pid, roots - {pid}) for name, pid in self.processes.items()}

    def stop(self) -> dict[str, object]:
        """Per process: CPU seconds and share of one core; plus the machine's busy share of all cores."""
        wall = max(time.monotonic() - self._began, 1e-9)
        now = self._sample()
        used = {name: now[name] - self._before[name] for name in self.processes}
        busy, total = _machine_busy()
        machine_share = (busy - self._machine[0]) / max(total - self._machine[1], 1e-9)
        return {
            "wall_s": round(wall, 2),
            "processes": {name: {"cpu_s": round(s, 2), "core_share": round(s / wall, 3)} for name, s in used.items()},
            "machine_busy_share": round(machine_share, 3),
        }
