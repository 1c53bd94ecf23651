"""Benchmarks: one script per benchmark, runnable as `python -m bench.<name>`; `make bench` runs all."""
