"""What a page, an announcement and a test say, per channel."""

from django.template.loader import render_to_string

from comms import ack, conf
from comms.channels import Message
from comms.enums import Purpose


def incident_url(incident) -> str:
    return f"{conf.base_url()}/admin/incidents/incident/{incident.pk}/change/"


def _facts(incident) -> dict:
    service = incident.service.name if incident.service_id else "no service"
    return {
        "incident": incident,
        "severity": incident.severity.name,
        "service": service,
        "headline": f"[{incident.severity.name}] #{incident.number} {incident.title}",
        "incident_url": incident_url(incident),
    }


def _prewritten(notification, facts: dict) -> Message:
    """A status update or cadence reminder: its text was written when the row was."""
    return Message(
        subject=notification.subject or facts["headline"], text=notification.body, short=notification.body,
        incident_url=facts["incident_url"], idempotency_key=notification.idempotency_key,
        tags=["foghorn", notification.purpose],
        metadata={"notification_id": str(notification.pk), "idempotency_key": notification.idempotency_key,
                  "organization_id": str(notification.organization_id), "incident_id": str(notification.incident_id)},
        data={"idempotency_key": notification.idempotency_key, "purpose": notification.purpose,
              "incident": {"id": notification.incident_id, "number": notification.incident.number}},
    )


def render(notification) -> Message:
    incident = notification.incident
    facts = _facts(incident)
    if notification.body:
        return _prewritten(notification, facts)
    ack_url = ""
    if notification.purpose == Purpose.PAGE and notification.recipient_id:
        ack_url = ack.ack_url(incident=incident, user=notification.recipient)
    context = {**facts, "ack_url": ack_url, "notification": notification,
               "purpose": notification.get_purpose_display()}
    bridge = f" War room: {incident.war_room_url}" if incident.war_room_url else ""
    if notification.purpose == Purpose.ANNOUNCEMENT:
        text = f"{facts['headline']} ({facts['service']}) — triggered.{bridge} {facts['incident_url']}"
        subject = f"Incident {facts['headline']}"
    else:
        text = f"You are paged: {facts['headline']} ({facts['service']}).{bridge}"
        subject = f"PAGE {facts['headline']}"
    return Message(
        subject=subject,
        text=render_to_string("comms/page.txt", context),
        html=render_to_string("comms/page.html", context),
        short=text,
        ack_url=ack_url,
        incident_url=facts["incident_url"],
        idempotency_key=notification.idempotency_key,
        tags=[notification.purpose],  # one tag: Postmark (and others) accept no more
        metadata={"notification_id": str(notification.pk), "idempotency_key": notification.idempotency_key,
                  "organization_id": str(notification.organization_id), "incident_id": str(incident.pk)},
        data={"incident": {"id": incident.pk, "number": incident.number, "title": incident.title,
                           "severity": facts["severity"], "status": incident.status},
              "idempotency_key": notification.idempotency_key, "purpose": notification.purpose},
    )
