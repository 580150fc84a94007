"""Benchmarks of the fieldledger pipeline (`make bench`, `python -m bench.run`); see bench/README.md.

Nothing here is imported by the pipeline or the tests: timings are measured and reported, never asserted.
"""
