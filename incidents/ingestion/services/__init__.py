"""Every write of ingestion: received events (``alerts``, ``storms``), configuration
(``integrations``) and the periodic work (``periodic``)."""

from incidents.ingestion.services.alerts import (
    Outcome,
    alert_ingest,
    alerts_ingest,
    change_ingest,
    sns_notification_ingest,
)
from incidents.ingestion.services.integrations import (
    basic_auth_matches,
    ingestion_url,
    integration_create,
    integration_delete,
    integration_rotate_key,
    integration_sns_confirmed,
    integration_update,
    maintenance_window_create,
    maintenance_window_delete,
    maintenance_window_update,
)
from incidents.ingestion.services.periodic import (
    heartbeat_beat,
    heartbeats_check,
    incidents_auto_resolve,
    maintenance_windows_record_ends,
)

__all__ = [
    "Outcome",
    "alert_ingest",
    "alerts_ingest",
    "basic_auth_matches",
    "change_ingest",
    "heartbeat_beat",
    "heartbeats_check",
    "incidents_auto_resolve",
    "ingestion_url",
    "integration_create",
    "integration_delete",
    "integration_rotate_key",
    "integration_sns_confirmed",
    "integration_update",
    "maintenance_window_create",
    "maintenance_window_delete",
    "maintenance_window_update",
    "maintenance_windows_record_ends",
    "sns_notification_ingest",
]
