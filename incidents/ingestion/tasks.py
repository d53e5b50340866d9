"""Thin Celery wrappers of the periodic ingestion work (scheduled in ``beat.py``)."""

from celery import shared_task

from incidents.ingestion import services


@shared_task(name="ingestion.heartbeats_check", ignore_result=True)
def heartbeats_check() -> int:
    """Trigger an incident for every heartbeat late past its timeout."""
    return services.heartbeats_check()


@shared_task(name="ingestion.maintenance_windows_record_ends", ignore_result=True)
def maintenance_windows_record_ends() -> int:
    """Write ended maintenance windows on the timelines of their service's open incidents."""
    return services.maintenance_windows_record_ends()


@shared_task(name="ingestion.incidents_auto_resolve", ignore_result=True)
def incidents_auto_resolve() -> int:
    """Resolve incidents 30 minutes in monitoring with no new alert (integrations with auto_resolve)."""
    return services.incidents_auto_resolve()
