"""What every service of the app shares: the timeline writer, the incident lock, the member check."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents import events
from incidents.models import Incident, TimelineEvent
from tenancy.errors import ApplicationError
from tenancy.models import User

_history_moment: ContextVar[datetime | None] = ContextVar("incident_history_moment", default=None)


def now() -> datetime:
    """The services' clock: the current time, or the moment set by ``history_at``."""
    return _history_moment.get() or timezone.now()


@contextmanager
def history_at(moment: datetime) -> Iterator[None]:
    """Record what the incident services do inside as happening at ``moment``: for building a past
    history (the demo's incidents, an import), so its timeline carries the real times. Never used
    while serving requests or tasks."""
    token = _history_moment.set(moment)
    try:
        yield
    finally:
        _history_moment.reset(token)


def person(user: User | None) -> dict | None:
    """How a timeline payload names a person."""
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "name": user.name}


def timeline_event_record(*, incident: Incident, kind: str, actor: User | None = None, payload: dict | None = None,
                          at: datetime | None = None) -> TimelineEvent:
    """Append an event to the incident's timeline and hand it to the dispatcher after commit.
    Other apps call it inside their own transaction to note what they did."""
    event = TimelineEvent.objects.create(
        organization_id=incident.organization_id, incident=incident, kind=kind, actor=actor,
        payload=payload or {}, at=at or now(),
    )
    events.enqueue_on_commit(event)
    return event


def incident_lock(incident: Incident) -> Incident:
    """The incident row, locked until the transaction ends (callers are inside ``transaction.atomic``)."""
    return Incident.objects.select_related("severity", "service", "commander").select_for_update(
        of=("self",)
    ).get(pk=incident.pk)


def require_member(incident: Incident, user: User, field: str) -> None:
    if not get_user_model().objects.filter(pk=user.pk, memberships__organization_id=incident.organization_id).exists():
        raise ApplicationError("Not a member of this organization.", {field: ["Not a member of this organization."]})
