"""Benchmarks measured on the real network (tables, CSV, plots)."""
