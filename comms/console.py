"""comms' panels on the admin's incident page (incidents/console.py): the status updates (drafted
from the audience's template, posted through ``status_update_post``) and the notifications sent
for the incident with their state, straight from the delivery ledger."""

from comms import selectors
from comms.enums import Audience, UpdateStatus
from comms.models import StatusUpdate
from comms.services import status as status_services
from incidents import console


def _audiences(incident) -> list[str]:
    audiences = [Audience.INTERNAL, Audience.PUBLIC]
    if not incident.is_open:
        audiences.append(Audience.CLOSURE)
    return audiences


def _status_updates(request, incident) -> dict:
    drafts = []
    for audience in _audiences(incident):
        draft = status_services.status_update_draft(incident=incident, audience=audience)
        drafts.append({"audience": audience, "label": Audience(audience).label, "status": draft["status"],
                       "body": draft["body"]})
    posted = (StatusUpdate.objects.filter(organization_id=incident.organization_id, incident=incident)
              .select_related("posted_by").order_by("-posted_at", "-id"))
    return {"drafts": drafts, "statuses": UpdateStatus.choices, "posted": list(posted),
            "next_update_at": incident.next_update_at}


def _post_status_update(request, incident) -> str:
    """Post the update the commander reviewed; a body left as drafted is re-rendered at posting time."""
    audience = request.POST.get("audience", "")
    # Browsers send a textarea's lines with CRLF; the update is stored (and sent to chat) with LF.
    body = request.POST.get("body", "").replace("\r\n", "\n").strip() or None
    update = status_services.status_update_post(
        incident=incident, audience=audience, posted_by=request.user, status=request.POST.get("status", ""),
        body=body, apply_status=request.POST.get("apply_status") == "1")
    return f"{update.get_audience_display()} update posted."


def _notifications(request, incident) -> dict:
    rows = selectors.notifications_for_incident(incident).select_related("recipient")
    return {"notifications": list(rows)}


def register() -> None:
    console.register_panel(console.Panel(key="status-updates", title="Status updates", order=50,
                                         template="comms/admin/status_updates_panel.html",
                                         context=_status_updates, actions={"status_update": _post_status_update}))
    console.register_panel(console.Panel(key="notifications", title="Notifications", order=90,
                                         template="comms/admin/notifications_panel.html",
                                         context=_notifications))
