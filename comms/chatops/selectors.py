"""Read-side queries of the ChatOps app (every one takes the organization or a team id)."""

from comms.chatops.models import ChatOpsSettings, IncidentChannel, SlackAction, SlackWorkspace
from incidents.models import Incident


def workspace_for(*, organization_id: int) -> SlackWorkspace | None:
    return SlackWorkspace.objects.select_related("organization").filter(organization_id=organization_id).first()


def workspace_for_team(*, team_id: str) -> SlackWorkspace | None:
    """The installation a signed request names; the org it belongs to is the only one it may act on."""
    if not team_id:
        return None
    return SlackWorkspace.objects.select_related("organization").filter(team_id=team_id).first()


def settings_for(*, organization_id: int) -> ChatOpsSettings:
    """The org's settings, or unsaved defaults."""
    found = ChatOpsSettings.objects.filter(organization_id=organization_id).first()
    return found or ChatOpsSettings(organization_id=organization_id)


def channel_for_incident(*, incident: Incident) -> IncidentChannel | None:
    return IncidentChannel.objects.filter(incident=incident, organization_id=incident.organization_id).first()


def incident_for_channel(*, organization_id: int, channel_id: str) -> Incident | None:
    """The incident whose channel this is, within the org only (a channel id of another org finds nothing)."""
    channel = (IncidentChannel.objects.select_related("incident__severity", "incident__organization")
               .filter(organization_id=organization_id, channel_id=channel_id).first())
    return channel.incident if channel else None


def incident_in_org(*, organization_id: int, incident_id=None, number=None) -> Incident | None:
    queryset = Incident.objects.select_related("severity", "organization", "commander").filter(
        organization_id=organization_id)
    if incident_id is not None and str(incident_id).isdecimal():
        return queryset.filter(pk=int(incident_id)).first()
    if number is not None and str(number).isdecimal():
        return queryset.filter(number=int(number)).first()
    return None


def actions_for_incident(*, incident: Incident):
    return SlackAction.objects.filter(organization_id=incident.organization_id, incident=incident).order_by(
        "created_at", "id")
