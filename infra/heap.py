"""Full garbage collections kept short in long-running Python processes whose heap grows.

Python's full collection walks every object the process holds, while no other thread runs.
In a process that keeps what it builds (the local database server, the benchmark's client
with its records) each one takes longer than the last and finds next to nothing to free.
After each full collection the survivors are frozen (``gc.freeze``), so the next one walks
only what is newer. The price: a frozen object that later becomes part of a reference
cycle is not freed; objects freed by their reference count are, as before.
"""

import gc

OLDEST = 2


def freeze_survivors_of_full_collections() -> None:
    """From now on, after each full collection, move what survived out of reach of the next ones."""

    def after(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == OLDEST:
            gc.freeze()

    gc.callbacks.append(after)
