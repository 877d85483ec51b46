"""Pantau benchmarks: ``python -m bench --reports N`` (see bench/__main__.py)."""
