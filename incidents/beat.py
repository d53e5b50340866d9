"""Periodic tasks of the incidents app (merged into Celery beat by ``config.celery``)."""

BEAT_SCHEDULE = {
    "incidents-timeline-sweep": {"task": "incidents.events.sweep", "schedule": 30.0},
    "incidents-monitoring-tick": {"task": "incidents.tasks.incident_monitoring_tick", "schedule": 60.0},
}
