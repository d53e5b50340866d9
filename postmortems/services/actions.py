"""Action items: created from a post-mortem (or an incident), tracked to done, each change an outbound
webhook event (``action_item.created/updated/completed``) on the org's signed endpoints."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from comms.enums import WebhookEvent
from comms.services import webhooks
from incidents.models import Incident
from postmortems.enums import ActionItemPriority, ActionItemStatus
from postmortems.models import ActionItem, PostMortem
from postmortems.services.common import require_member, require_same_org, unknown_fields
from tenancy.errors import ApplicationError
from tenancy.models import Organization, User

EDITABLE = {"title", "owner", "due_date", "priority", "status", "tracker_url"}


def item_data(item: ActionItem) -> dict:
    """What a webhook says about an item (trackers sync from it)."""
    return {
        "id": item.pk, "title": item.title, "status": item.status, "priority": item.priority,
        "owner": {"id": item.owner_id, "email": item.owner.email, "name": item.owner.name} if item.owner else None,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "done_at": item.done_at.isoformat() if item.done_at else None, "tracker_url": item.tracker_url,
        "incident": {"number": item.incident.number, "title": item.incident.title},
        "postmortem_id": item.postmortem_id, "version": item.version,
    }


def _publish(item: ActionItem, event: str) -> None:
    webhooks.webhook_event_publish(organization_id=item.organization_id, event=event,
                                   subject=f"action_item:{item.pk}", key=f"action_item:{item.pk}:{item.version}",
                                   data=item_data(item))


def _check(organization_id: int, fields: dict) -> None:
    require_member(organization_id, fields.get("owner"), "owner")
    if "title" in fields and not (fields["title"] or "").strip():
        raise ApplicationError("A title is required.", {"title": ["This field may not be blank."]})
    if fields.get("status") is not None and fields["status"] not in ActionItemStatus.values:
        raise ApplicationError("Unknown status.", {"status": [f"Choose one of: {', '.join(ActionItemStatus.values)}."]})
    if fields.get("priority") is not None and fields["priority"] not in ActionItemPriority.values:
        raise ApplicationError("Unknown priority.",
                               {"priority": [f"Choose one of: {', '.join(ActionItemPriority.values)}."]})


def _set_done(item: ActionItem, status: str) -> None:
    if status == ActionItemStatus.DONE and item.done_at is None:
        item.done_at = timezone.now()
    elif status != ActionItemStatus.DONE:
        item.done_at = None


@transaction.atomic
def action_item_create(*, organization: Organization, title: str, postmortem: PostMortem | None = None,
                       incident: Incident | None = None, owner: User | None = None, due_date: date | None = None,
                       priority: str = ActionItemPriority.MEDIUM, status: str = ActionItemStatus.OPEN,
                       tracker_url: str = "") -> ActionItem:
    """An item of a post-mortem (its incident is the post-mortem's) or straight of an incident."""
    require_same_org(organization.pk, postmortem, "postmortem")
    require_same_org(organization.pk, incident, "incident")
    if postmortem is not None:
        if incident is not None and incident.pk != postmortem.incident_id:
            raise ApplicationError("The incident is not the post-mortem's.", {"incident": ["Not this post-mortem's."]})
        incident = postmortem.incident
    if incident is None:
        raise ApplicationError("An action item belongs to a post-mortem or an incident.",
                               {"postmortem": ["Give a post-mortem or an incident."]})
    _check(organization.pk, {"title": title, "owner": owner, "status": status, "priority": priority})
    item = ActionItem(organization=organization, postmortem=postmortem, incident=incident, title=title.strip(),
                      owner=owner, due_date=due_date, priority=priority, status=status, tracker_url=tracker_url)
    _set_done(item, status)
    item.full_clean(exclude=["organization", "postmortem", "incident", "owner"])
    item.save()
    _publish(item, WebhookEvent.ACTION_ITEM_CREATED)
    return item


@transaction.atomic
def action_item_update(*, item: ActionItem, **changes) -> ActionItem:
    """Edit an item; moving it to done stamps ``done_at`` and sends ``action_item.completed``."""
    unknown_fields(changes, EDITABLE)
    _check(item.organization_id, changes)
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("incident", "owner").get(pk=item.pk)
    changed = {name: value for name, value in changes.items() if getattr(item, name) != value}
    if not changed:
        return item
    for name, value in changed.items():
        setattr(item, name, value.strip() if name == "title" else value)
    if "status" in changed:
        _set_done(item, changed["status"])
    item.version += 1
    item.full_clean(exclude=["organization", "postmortem", "incident", "owner"])
    item.save()
    completed = changed.get("status") == ActionItemStatus.DONE
    _publish(item, WebhookEvent.ACTION_ITEM_COMPLETED if completed else WebhookEvent.ACTION_ITEM_UPDATED)
    return item
