"""Periodic tasks of ingestion (merged into Celery beat by ``config.celery``)."""

BEAT_SCHEDULE = {
    "ingestion-heartbeats-check": {"task": "ingestion.heartbeats_check", "schedule": 30.0},
    "ingestion-maintenance-ends": {"task": "ingestion.maintenance_windows_record_ends", "schedule": 60.0},
    "ingestion-auto-resolve": {"task": "ingestion.incidents_auto_resolve", "schedule": 60.0},
}
