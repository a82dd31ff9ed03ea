"""Benchmarks of the running local stack (``make bench``); see bench/README.md."""
