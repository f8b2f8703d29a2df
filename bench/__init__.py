"""Benchmarks: each prints its ratios against a baseline measured in the same run."""
