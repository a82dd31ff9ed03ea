"""Latency distributions as PNG: a histogram on log-spaced bins and the cumulative distribution."""

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen before pyplot is imported

BINS = 60
DPI = 72  # small files: the figures are read on screen, next to the summary


def _log_bins(values: list[float]) -> list[float]:
    low, high = max(min(values), 1e-2), max(max(values), 1e-2 * 1.01)
    step = (math.log10(high) - math.log10(low)) / BINS or 1.0
    return [10 ** (math.log10(low) + i * step) for i in range(BINS + 1)]


def plot_latencies(path: Path, title: str, series: dict[str, list[float]]) -> Path | None:
    """One figure per scenario; ``series`` holds latencies in seconds, drawn in milliseconds."""
    drawn = {name: sorted(v * 1000 for v in values) for name, values in series.items() if values}
    if not drawn:
        return None
    figure, (histogram, cumulative) = plt.subplots(1, 2, figsize=(12, 4.4))
    bins = _log_bins([v for values in drawn.values() for v in values])
    for name, values in drawn.items():
        histogram.hist(values, bins=bins, histtype="step", linewidth=1.4, label=f"{name} (n={len(values):,})")
        cumulative.plot(values, [(i + 1) / len(values) for i in range(len(values))], linewidth=1.4, label=name)
    for axis in (histogram, cumulative):
        axis.set_xscale("log")
        axis.set_xlabel("latency (ms, log scale)")
        axis.grid(True, which="major", alpha=0.3)
    histogram.set_ylabel("count")
    cumulative.set_ylabel("share of requests at or below")
    for q in (0.5, 0.95, 0.99):
        cumulative.axhline(q, color="grey", linewidth=0.6, linestyle=":")
    histogram.legend(fontsize=8)
    cumulative.legend(fontsize=8, loc="lower right")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path
