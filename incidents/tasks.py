"""Thin Celery wrappers. The outbox tasks live in ``incidents.events`` (imported here so the
worker registers them)."""

from celery import shared_task

from incidents import events, services

__all__ = ["events", "incident_monitoring_tick"]


@shared_task(name="incidents.tasks.incident_monitoring_tick", ignore_result=True)
def incident_monitoring_tick() -> int:
    """Beat: tick the verification checklist's 30-minute item on incidents stable that long."""
    return services.incident_monitoring_tick()
