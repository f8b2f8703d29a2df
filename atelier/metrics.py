"""The measures a process keeps in memory for Prometheus (the database's own readings are taken at
each scrape, ``services/health.py``): one registry per runtime, never the library's global one."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.advance_seconds = Histogram(
            "atelier_advance_seconds",
            "Duration of one advance of an atelier by this engine",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
