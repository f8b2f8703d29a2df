"""For the operator: ``/sante`` (is this process able to work: the database, the SMTP relay,
Prefect, the engines and dispatchers alive, and how late the outbox is) and ``/metrics``
(Prometheus). Counts and ages only, nothing personal; a reverse proxy may keep them to the internal
network."""

from __future__ import annotations

import os
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.services.advance_failures import stuck_ateliers
from atelier.services.health import (
    OutboxCollector,
    database_answers,
    prefect_answers,
    processes_alive,
    read_outbox,
    smtp_answers,
)
from atelier.web.deps import RuntimeDep

router = APIRouter()


def outbox_metrics(runtime: Runtime) -> CollectorRegistry:
    """The outbox's gauges, read at each scrape; one registry per app (``app.state.outbox_metrics``)."""
    registry = CollectorRegistry()
    registry.register(OutboxCollector(runtime.engine, runtime.clock, runtime.settings.heartbeat_seconds))
    return registry


@router.get("/sante")
def health(runtime: RuntimeDep) -> JSONResponse:
    """200 while the database answers (the process can work), else 503; the rest is detail."""
    if not database_answers(runtime.engine):
        return JSONResponse({"status": "down", "database": False}, status_code=503)
    with transaction(runtime.engine) as session:
        reading = read_outbox(session=session, now=runtime.clock.now())
        # A role none of whose processes beat lately (killed, machine down) stops the work.
        alive = processes_alive(
            session=session, within=timedelta(seconds=3 * runtime.settings.heartbeat_seconds)
        )
        stuck = stuck_ateliers(session=session)  # ateliers whose advancing fails
    smtp = smtp_answers(runtime.settings)
    prefect = prefect_answers(os.environ.get("PREFECT_API_URL"))
    working = smtp and prefect is not False and all(alive.values()) and not stuck
    return JSONResponse(
        {
            "status": "ok" if working else "degraded",
            "database": True,
            "smtp": smtp,
            "prefect": prefect,
            "processes": alive,
            "outbox": reading.by_status,
            "oldest_due_seconds": round(reading.oldest_due_seconds, 1),
            "retrying": reading.retrying,
            "gates_waiting": reading.gates_waiting,
            "ateliers_stuck": stuck,
        }
    )


@router.get("/metrics")
def metrics(request: Request, runtime: RuntimeDep) -> Response:
    outbox: CollectorRegistry = request.app.state.outbox_metrics
    body = generate_latest(runtime.metrics.registry) + generate_latest(outbox)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
