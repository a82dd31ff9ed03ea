"""Percentiles, latency summaries and ratios."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of sorted values, interpolating linearly between ranks."""
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Latency:
    """A latency distribution in milliseconds."""

    count: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    def line(self) -> str:
        return (f"p50 {self.p50_ms:8.1f} ms  p95 {self.p95_ms:8.1f} ms  p99 {self.p99_ms:8.1f} ms  "
                f"max {self.max_ms:8.1f} ms  (n={self.count})")


def latency(seconds: Iterable[float]) -> Latency:
    ordered = sorted(s * 1000 for s in seconds)
    if not ordered:
        return Latency(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    return Latency(count=len(ordered), mean_ms=sum(ordered) / len(ordered), p50_ms=percentile(ordered, 50),
                   p95_ms=percentile(ordered, 95), p99_ms=percentile(ordered, 99), max_ms=ordered[-1])


def ratio(value: float, reference: float) -> float:
    """``value / reference``, NaN when the reference is missing or zero."""
    if not reference or math.isnan(reference) or math.isnan(value):
        return math.nan
    return value / reference


def rounded(value: float, digits: int = 3) -> float | None:
    """JSON has no NaN: missing figures are written as null."""
    return None if math.isnan(value) else round(value, digits)
