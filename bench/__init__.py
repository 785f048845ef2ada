"""Benchmarks, each run from the project root as `python -m bench.NAME` (bench/README.md)."""
