"""A received alert joins an incident: the incident's ``alert_count`` grows and its timeline notes
the alert (``alert_received``, which pages nobody by itself), with the alert row in the same
statement (``incidents.sql``). Ingestion owns the alert and its (service, dedup key) slot; it hands
their models in, since ``incidents`` never imports ``incidents.ingestion``."""

import json
import logging

from django.db import connections, router
from django.db.models import F, Model

from incidents import events, sql
from incidents.enums import TimelineKind
from incidents.models import Incident, Service, Severity, TimelineEvent
from incidents.services import opening
from incidents.services.lifecycle import incident_opening
from tenancy.models import Organization

logger = logging.getLogger(__name__)


def incident_alert_join(*, alert_model: type[Model], slot_model: type[Model], service_id: int, dedup_key: str,
                        values: dict, payload: dict, asynchronous: bool = False,
                        prepare: bool = True) -> tuple[int, int, int] | None:
    """If the (service, dedup key) slot points at an open incident not in monitoring, add the
    alert to it in one statement — the alert row (``values``: its fields but the incident), the
    incident's ``alert_count`` and an ``alert_received`` event whose payload is ``payload`` plus the
    alert's id — and return (alert id, incident id, event id); otherwise None, nothing written.

    The only lock is the incident row's (the count's UPDATE), so a join and a change of the
    incident serialise on it. Outside a transaction the statement is its own, committed before
    this returns; ``asynchronous`` commits it without waiting for the WAL flush (a crash can then
    lose it although it was answered: opt-in, see ``INGESTION_ASYNC_COMMIT_JOINS``). Inside a
    caller's transaction ``asynchronous`` is ignored (it would cover the caller's other writes).
    Off PostgreSQL: None, and the caller takes its transactional path (``incident_alert_add``)."""
    alias = router.db_for_write(alert_model)
    if not sql.is_postgresql(alias):
        return None
    asynchronous = asynchronous and not connections[alias].in_atomic_block
    names = tuple(values)
    statement, order = sql.alert_join_sql(alias, alert_model, slot_model, names, asynchronous)
    params = {**sql.json_params(alert_model, values), "service_id": service_id, "dedup_key": dedup_key,
              "payload": json.dumps(payload)}
    found = sql.execute_prepared(alias, statement, [params[name] for name in order], prepare=prepare)
    if found is None:
        return None
    alert_id, incident_id, event_id = found
    events.enqueue_written_on_commit(TimelineKind.ALERT_RECEIVED, event_id)
    return alert_id, incident_id, event_id


def incident_open_for_alert(*, organization: Organization, title: str, severity: Severity | str, service: Service,
                            source: str, detected_at, description: str = "", alert_model: type[Model],
                            slot_model: type[Model], dedup_key: str, values: dict,
                            payload: dict) -> tuple[Incident, int] | None:
    """The first alert of a (service, dedup key) slot that feeds no incident opens one: the incident
    as ``incident_create`` opens it (same checks, commander, checklists and ``incident_created``
    event) with the alert (``values``: its fields but the incident) and its ``alert_received`` event
    (``payload`` plus the alert's id), in one statement committed on its own — so an alert storm of
    new keys holds the org's number counter only while PostgreSQL runs and commits that statement.
    Returns (the incident, the alert's id), or None with nothing written: the slot already names an
    incident, a transaction is open, or the database is not PostgreSQL; the caller then takes its
    transactional path (``incident_create`` and ``incident_alert_add``)."""
    alias = router.db_for_write(alert_model)
    if not sql.is_postgresql(alias) or connections[alias].in_atomic_block:
        return None
    prepared = incident_opening(organization=organization, title=title, severity=severity, service=service,
                                description=description, detected_at=detected_at, source=source)
    opened = opening.incident_insert_for_alert(prepared, alert_model=alert_model, slot_model=slot_model,
                                               dedup_key=dedup_key, alert_values=values, alert_payload=payload)
    if opened is not None:
        logger.info("incident created", extra={"incident_id": opened[0].pk, "organization_id": organization.pk})
    return opened


def incident_alert_add(*, incident: Incident, alert_model: type[Model], values: dict, payload: dict,
                       slot: Model | None = None) -> tuple[Model, int]:
    """Add an alert to ``incident``, which the caller's transaction holds locked or has just
    created: the alert row (``values``: its fields but the incident), the incident's
    ``alert_count`` and its ``alert_received`` event (payload ``payload`` plus the alert's id),
    handed to the outbox on commit; ``slot`` (the key of a new incident) is pointed at the
    incident in the same statement. Returns the alert (saved) and the event's id."""
    alias = router.db_for_write(alert_model)
    values = {**values, "incident_id": incident.pk}
    if slot is not None:
        slot.incident_id = incident.pk
    if sql.is_postgresql(alias):
        alert_id, event_id = _add_sql(alias, alert_model, slot, values, payload)
        alert = alert_model.from_db(alias, ("id", *values), (alert_id, *values.values()))
    else:
        alert, event_id = _add_orm(incident, alert_model, slot, values, payload)
    incident.alert_count = (incident.alert_count or 0) + 1
    events.enqueue_written_on_commit(TimelineKind.ALERT_RECEIVED, event_id)
    return alert, event_id


def _add_sql(alias: str, alert_model, slot, values: dict, payload: dict) -> tuple[int, int]:
    names = tuple(values)
    statement = sql.alert_received_sql(alias, alert_model, type(slot) if slot is not None else None, names,
                                       slot is not None)
    params = {**sql.json_params(alert_model, values), "payload": json.dumps(payload),
              "slot_id": slot.pk if slot is not None else None}
    with connections[alias].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def _add_orm(incident: Incident, alert_model, slot, values: dict, payload: dict) -> tuple[Model, int]:
    alert = alert_model.objects.create(**values)
    Incident.objects.filter(pk=incident.pk).update(alert_count=F("alert_count") + 1)
    if slot is not None:
        slot.save(update_fields=["incident"])
    event = TimelineEvent.objects.create(organization_id=incident.organization_id, incident_id=incident.pk,
                                         kind=TimelineKind.ALERT_RECEIVED, at=alert.received_at,
                                         payload={"alert_id": alert.pk, **payload})
    return alert, event.pk
