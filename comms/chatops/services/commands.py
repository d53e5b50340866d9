"""What ``/incident …`` and the card's buttons do (run by a worker from a ``SlackInbound`` row, inside
its transaction: the effect and the row's done mark commit together, so a redelivery does nothing).

Every verb acts on the incident of the channel it is typed in (or ``#<number>``), within the org of the
workspace that signed the request: a channel or incident id of another org finds nothing."""

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from comms import selectors as comms_selectors
from comms.chatops import client, selectors
from comms.chatops.client import CallFailed
from comms.chatops.models import SlackWorkspace
from comms.chatops.services import people
from comms.enums import Channel, Purpose, RunState
from comms.models import EscalationRun
from comms.services import paging
from comms.services.timeline import note, person
from incidents import services as incident_services
from incidents.enums import IncidentStatus, TimelineKind
from incidents.models import Incident
from tenancy.errors import ApplicationError

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
NUMBER = re.compile(r"(?:^|\s)#(\d+)\b")
STATUS_WORDS = (IncidentStatus.INVESTIGATING, IncidentStatus.FIXING, IncidentStatus.MONITORING)
HELP = ("`/incident declare <title> [P0-P3]` · `ack` · `status investigating|fixing|monitoring` · `update` · "
        "`resolve [reason to skip the checklist]` · `page @someone` · `role commander @someone` · `help`")


@dataclass(frozen=True)
class Request:
    """A verified command or button: who (a member), where, what."""

    workspace: SlackWorkspace
    user: object
    channel_id: str
    verb: str
    args: str
    incident_id: str = ""


def split(text: str) -> tuple[str, str]:
    verb, _sep, args = (text or "").strip().partition(" ")
    return verb.lower(), args.strip()


def incident_of(request: Request) -> Incident:
    organization_id = request.workspace.organization_id
    incident = None
    if request.incident_id:
        incident = selectors.incident_in_org(organization_id=organization_id, incident_id=request.incident_id)
    number = NUMBER.search(request.args or "")
    if incident is None and number:
        incident = selectors.incident_in_org(organization_id=organization_id, number=number.group(1))
    if incident is None and request.channel_id:
        incident = selectors.incident_for_channel(organization_id=organization_id, channel_id=request.channel_id)
    if incident is None:
        raise ApplicationError("No incident here: use it in an incident channel, or name one with #<number>.",
                               {"incident": ["Not found."]})
    return incident


def _member(request: Request, slack_user_id: str):
    try:
        row = people.slack_user_resolve(workspace=request.workspace, slack_user_id=slack_user_id)
    except CallFailed as exc:
        raise ApplicationError(f"Slack could not tell who <@{slack_user_id}> is: {exc}",
                               {"user": ["Unknown."]}) from exc
    if row.user is not None:
        return row.user
    raise ApplicationError(f"<@{slack_user_id}> is not a Foghorn member of this organization (matched by email).",
                           {"user": ["Not a member."]})


def _target(request: Request, text: str):
    """A member named by a Slack mention or an email address."""
    mention = MENTION.search(text)
    if mention:
        return _member(request, mention.group(1))
    email = text.strip().strip("<>").removeprefix("mailto:").split("|")[0]
    user = get_user_model().objects.filter(email__iexact=email,
                                           memberships__organization_id=request.workspace.organization_id).first()
    if user is None:
        raise ApplicationError("Name someone: `@person` or their email address.", {"user": ["Not found."]})
    return user


def _ack(request: Request) -> str:
    incident = incident_services.incident_acknowledge(incident=incident_of(request), actor=request.user, via="slack")
    return f"Incident #{incident.number} is {incident.get_status_display().lower()}."


def _status(request: Request) -> str:
    word = (request.args.split() or [""])[0].lower()
    if word not in STATUS_WORDS:
        raise ApplicationError(f"Say one of: {', '.join(STATUS_WORDS)}.", {"status": ["Unknown status."]})
    incident = incident_services.incident_transition(incident=incident_of(request), status=word, actor=request.user)
    return f"Incident #{incident.number} is now {incident.get_status_display().lower()}."


def _resolve(request: Request) -> str:
    reason = NUMBER.sub(" ", request.args).strip() or None
    incident = incident_services.incident_resolve(incident=incident_of(request), actor=request.user,
                                                  override_reason=reason)
    return f"Incident #{incident.number} is resolved."


def _escalate(request: Request) -> str:
    incident = incident_of(request)
    paging.escalation_escalate_now(incident=incident, actor=request.user)
    return f"Escalated #{incident.number}: the next step of the policy is being paged."


def _role(request: Request) -> str:
    role, _sep, rest = request.args.partition(" ")
    if role.lower() != "commander":
        raise ApplicationError("Only `role commander @someone` is supported.", {"role": ["Unknown role."]})
    commander = _target(request, rest)
    incident = incident_services.incident_assign_commander(incident=incident_of(request), commander=commander,
                                                           actor=request.user)
    return f"{commander} is now the Incident Commander of #{incident.number}."


def _group_members(request: Request, group_id: str) -> list:
    """The members of a Slack user group (``usergroups.users.list``) that are Foghorn members."""
    try:
        data = client.call(request.workspace.bot_token, "usergroups.users.list", usergroup=group_id)
    except CallFailed as exc:
        raise ApplicationError(f"Slack could not list that group: {exc}", {"group": ["Unknown."]}) from exc
    users = []
    for slack_user_id in data.get("users") or []:
        row = people.slack_user_resolve(workspace=request.workspace, slack_user_id=slack_user_id)
        if row.user is not None:
            users.append(row.user)
    if not users:
        raise ApplicationError("Nobody in that group is a Foghorn member.", {"group": ["No members."]})
    return users


def _page_targets(request: Request, text: str) -> list:
    group = SUBTEAM.search(text)
    return _group_members(request, group.group(1)) if group else [_target(request, text)]


def _page_one(run: EscalationRun, incident: Incident, user, event_id: int, now) -> None:
    organization = incident.organization
    chain = comms_selectors.person_chain(organization=organization, user=user, severity=incident.severity)
    channels = [channel for channel, minutes in chain if minutes == 0
                and comms_selectors.contact_for(organization=organization, user=user, channel=channel)[1]]
    for channel in channels or [Channel.EMAIL]:
        method, address = comms_selectors.contact_for(organization=incident.organization, user=user, channel=channel)
        paging._notification(run, key=paging.idempotency_key(run.pk, "slack", event_id, f"u{user.pk}", channel),
                             channel=channel, due_at=now, purpose=Purpose.REALERT, recipient=user,
                             contact_method=method, address=method.value_hint if method else (address or user.email))


def _page(request: Request) -> str:
    """Page a person (or everyone of a Slack user group) into the incident now, on the channels they are
    paged on at once, whatever its status (``page`` pulls in the database expert). One closed run per
    request, like a re-alert; the ledger's keys make a redelivered request page nobody twice."""
    incident = Incident.objects.select_related("severity", "organization", "service").get(pk=incident_of(request).pk)
    users = _page_targets(request, NUMBER.sub(" ", request.args))
    names = ", ".join(str(user) for user in users)
    now = timezone.now()
    event = incident_services.timeline_event_record(
        incident=incident, kind=TimelineKind.PAGED, actor=request.user,
        payload={"text": f"{request.user} paged {names} from Slack.", "people": [person(u) for u in users],
                 "via": "slack"})
    run = EscalationRun.objects.create(organization_id=incident.organization_id, incident=incident,
                                       trigger_event_id=event.pk, policy_snapshot={"steps": []},
                                       severity_name=incident.severity.name, state=RunState.ACKNOWLEDGED,
                                       ended_at=now, ended_reason="Paged from Slack: no escalation.")
    run.organization = incident.organization
    for user in users:
        _page_one(run, incident, user, event.pk, now)
    paging._nudge_due(run, now)
    return f"Paging {names} for #{incident.number}."


def _help(request: Request) -> str:
    return HELP


VERBS = {"ack": _ack, "acknowledge": _ack, "status": _status, "resolve": _resolve, "escalate": _escalate,
         "role": _role, "page": _page, "help": _help}
BUTTONS = {"incident_ack": "ack", "incident_resolve": "resolve", "incident_escalate": "escalate"}


@transaction.atomic
def command_run(*, request: Request) -> str:
    """Do the verb; a refusal (bad status, the checklist gate, nothing to escalate) is the answer."""
    handler = VERBS.get(request.verb)
    if handler is None:
        return f"Unknown command `{request.verb}`. {HELP}"
    try:
        with transaction.atomic():
            return handler(request)
    except ApplicationError as exc:
        return f":no_entry: {exc.message}"


def declare(*, workspace: SlackWorkspace, user, title: str, severity: str, service_id: str = "",
            impact: str = "") -> Incident:
    """The declare modal's submission: open the incident (its channel follows through the outbox)."""
    service = None
    if service_id:
        from incidents.models import Service

        if not str(service_id).isdecimal():
            raise ApplicationError("Unknown service.", {"service": ["Not a service of this organization."]})
        service = Service.objects.filter(organization_id=workspace.organization_id, pk=service_id).first()
        if service is None:
            raise ApplicationError("Unknown service.", {"service": ["Not a service of this organization."]})
    with transaction.atomic():
        incident = incident_services.incident_create(organization=workspace.organization, title=title,
                                                     severity=severity, service=service, actor=user,
                                                     source="slack")
        if impact:
            incident = incident_services.incident_update_details(incident=incident, actor=user,
                                                                 customer_impact=impact)
    return incident


def pin_note(*, workspace: SlackWorkspace, channel_id: str, ts: str, text: str, author_id: str, author) -> bool:
    """Copy a pinned (or :pushpin:-tagged) message of an incident channel to its timeline, once."""
    from comms.chatops.models import SlackInbound

    incident = selectors.incident_for_channel(organization_id=workspace.organization_id, channel_id=channel_id)
    if incident is None or not (text or "").strip():
        return False
    _row, created = SlackInbound.objects.get_or_create(key=f"note:{channel_id}:{ts}", defaults={
        "organization_id": workspace.organization_id, "kind": "note", "team_id": workspace.team_id,
        "done_at": timezone.now()})
    if not created:
        return False
    author_name = str(author) if author else f"<@{author_id}>"
    note(incident, TimelineKind.NOTE, f"{author_name} (Slack): {text}", actor=author, source="slack",
         slack_user_id=author_id, channel_id=channel_id, ts=ts)
    return True
