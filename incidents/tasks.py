"""Thin Celery wrappers. The outbox tasks live in ``incidents.events`` (imported here so the
worker registers them)."""

from incidents import events, services
from tenancy.tasking import task

__all__ = ["events", "incident_monitoring_tick"]


@task("incidents.tasks.incident_monitoring_tick")
def incident_monitoring_tick() -> int:
    """Beat: tick the verification checklist's 30-minute item on incidents stable that long."""
    return services.incident_monitoring_tick()
