"""Thin Celery wrappers of the periodic ingestion work (scheduled in ``beat.py``)."""

from incidents.ingestion import services
from tenancy.tasking import task


@task("ingestion.heartbeats_check")
def heartbeats_check() -> int:
    """Trigger an incident for every heartbeat late past its timeout."""
    return services.heartbeats_check()


@task("ingestion.maintenance_windows_record_ends")
def maintenance_windows_record_ends() -> int:
    """Write ended maintenance windows on the timelines of their service's open incidents."""
    return services.maintenance_windows_record_ends()


@task("ingestion.incidents_auto_resolve")
def incidents_auto_resolve() -> int:
    """Resolve incidents 30 minutes in monitoring with no new alert (integrations with auto_resolve)."""
    return services.incidents_auto_resolve()
