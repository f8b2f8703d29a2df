"""One place that wires the real (or test) adapters: database, clock, links, settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.engine import Engine

from atelier.clock import Clock, SystemClock
from atelier.config import Settings
from atelier.db import make_engine, migrate
from atelier.links import LinkSigner
from atelier.metrics import Metrics


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    signer: LinkSigner
    clock: Clock = field(default_factory=SystemClock)
    metrics: Metrics = field(default_factory=Metrics)


def bootstrap(settings: Settings, *, clock: Clock | None = None, run_migrations: bool = True) -> Runtime:
    engine = make_engine(settings.resolved_database_url)
    if run_migrations:
        migrate(engine)
    signer = LinkSigner(
        settings.resolved_secret_key(),
        base_url=settings.public_base_url,
        max_age=timedelta(days=settings.link_max_age_days),
    )
    return Runtime(settings=settings, engine=engine, signer=signer, clock=clock or SystemClock())


_installed: Runtime | None = None
# A runtime for one call chain (the lifecycle run without Prefect, a test's world): it wins over the
# process's installed one, so that two runtimes in one process never see each other's database.
_scoped: ContextVar[Runtime | None] = ContextVar("atelier_runtime", default=None)


def install(runtime: Runtime) -> Runtime:
    """Make ``runtime`` the one that Prefect tasks of this process use."""
    global _installed
    _installed = runtime
    return runtime


@contextmanager
def using(runtime: Runtime) -> Iterator[Runtime]:
    """Within this block, in this thread, the units of work use ``runtime``."""
    token = _scoped.set(runtime)
    try:
        yield runtime
    finally:
        _scoped.reset(token)


def current() -> Runtime:
    """The runtime of this block (``using``), else the one installed by the process entry point."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    if _installed is None:
        raise RuntimeError("no runtime installed: call atelier.bootstrap.install(bootstrap(settings))")
    return _installed


def current_or_from_environment() -> Runtime:
    """The installed runtime; in a process Prefect's runner started for a deployment's run, where
    nothing is installed, one built from the environment the engine handed down (``ATELIER_*``,
    see ``Settings.as_environment``)."""
    if _installed is None:
        from atelier.logs import configure_logging, drop_other_root_handlers

        settings = Settings()
        configure_logging(level=settings.log_level, json_lines=settings.log_format == "json")
        drop_other_root_handlers()
        install(bootstrap(settings, run_migrations=False))
    return current()
