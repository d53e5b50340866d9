"""Readiness (plan 12, acceptance criteria), computed from live data: each criterion pass or fail with
what is missing."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from comms import conf as comms_conf
from comms import templating
from comms.enums import TemplateKind
from comms.services import templates as template_services
from incidents.models import Incident, Runbook, Service, Severity
from oncall import selectors as oncall_selectors
from oncall.models import EscalationPolicy, Schedule
from postmortems.enums import DrillStatus, PostMortemStatus
from postmortems.models import Drill, TrainingRecord
from tenancy.enums import Role
from tenancy.models import Membership, Organization

PLAN_SEVERITIES = ("P0", "P1", "P2", "P3")
TOP_SERVICES = 5
ONCALL_HORIZON = timedelta(days=14)
PRACTICE_WINDOW = timedelta(days=92)  # "in the last quarter"
# The setting each of comms' Twilio values comes from (``comms.conf.twilio``).
TWILIO_SETTINGS = {"account_sid": "TWILIO_ACCOUNT_SID", "auth_token": "TWILIO_AUTH_TOKEN",
                   "from_number": "TWILIO_FROM_NUMBER"}


def _criterion(key: str, label: str, missing: list[str], detail: str = "") -> dict:
    return {"key": key, "label": label, "passed": not missing, "missing": missing, "detail": detail}


def severities_defined(organization: Organization) -> dict:
    names = set(Severity.objects.filter(organization=organization).values_list("name", flat=True))
    missing = [f"Severity {name} is not defined." for name in PLAN_SEVERITIES if name not in names]
    return _criterion("severity_levels", "Incident severity levels defined (P0-P3)", missing)


def runbooks_for_top_services(organization: Organization) -> dict:
    """The five services with the most (real) incidents — or, before any incident, the first five — each
    need a runbook."""
    services = (Service.objects.filter(organization=organization)
                .annotate(incident_count=Count("incidents", filter=Q(incidents__is_drill=False), distinct=True),
                          runbook_count=Count("runbooks", distinct=True))
                .order_by("-incident_count", "name")[:TOP_SERVICES])
    services = list(services)
    missing = [f"No runbook for {service.name} ({service.incident_count} incidents)." for service in services
               if service.runbook_count == 0]
    if not services:
        missing = ["No services defined: add what breaks, and a runbook for each of the top five."]
    return _criterion("runbooks", "Response procedures: runbooks for the top 5 services by incident count",
                      missing, f"{Runbook.objects.filter(organization=organization).count()} runbooks in all.")


REQUIRED_TEMPLATES = {TemplateKind.INTERNAL: "internal update", TemplateKind.PUBLIC: "external update",
                      TemplateKind.USER_EMAIL: "affected-user email"}


def communication_templates(organization: Organization) -> dict:
    """The plan's internal, external and user-email templates (section 11): each is the org's saved
    text or the plan's default, and must still render (an empty or broken edit fails here)."""
    missing = []
    for kind, label in REQUIRED_TEMPLATES.items():
        _subject, body = template_services.template_source(organization=organization, kind=kind)
        if not body.strip() or templating.check(kind, body):
            missing.append(f"The {label} template is empty or does not render: fix it under message-templates/.")
    return _criterion("communication_templates", "Communication templates ready (internal, external, user email)",
                      missing, "The plan's templates are the defaults; admins edit them under message-templates/.")


def oncall_established(organization: Organization, now) -> dict:
    """Every escalation policy reaches at least one schedule, and none of those has a gap in 14 days."""
    policies = list(EscalationPolicy.objects.filter(organization=organization).prefetch_related("steps__schedules"))
    missing = []
    if not policies:
        missing.append("No escalation policy.")
    checked: dict[int, list] = {}
    for policy in policies:
        schedules = {schedule.pk: schedule for step in policy.steps.all() for schedule in step.schedules.all()}
        if not schedules:
            missing.append(f"Escalation policy {policy.name} pages no schedule.")
        for schedule in schedules.values():
            if schedule.pk not in checked:
                checked[schedule.pk] = oncall_selectors.gaps(schedule, now, now + ONCALL_HORIZON)
            if checked[schedule.pk]:
                start, end = checked[schedule.pk][0]
                missing.append(f"Schedule {schedule.name} (policy {policy.name}) has nobody on call from "
                               f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC.")
    schedules_count = Schedule.objects.filter(organization=organization).count()
    return _criterion("oncall_rotation", "On-call rotation established (no gaps in the next 14 days)",
                      list(dict.fromkeys(missing)), f"{len(policies)} policies, {schedules_count} schedules.")


def postmortem_practised(organization: Organization, now) -> dict:
    practised = Drill.objects.filter(organization=organization, status=DrillStatus.COMPLETED,
                                     completed_at__gte=now - PRACTICE_WINDOW,
                                     incident__postmortem__status=PostMortemStatus.PUBLISHED)
    missing = [] if practised.exists() else [
        "No completed drill with a published post-mortem in the last quarter: run a tabletop exercise."]
    return _criterion("postmortem_practised", "Post-mortem process practised (tabletop exercise)", missing)


def engineers_trained(organization: Organization, now) -> dict:
    current = TrainingRecord.objects.filter(organization=organization).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    responders = (Membership.objects.filter(organization=organization,
                                            role__in=[Role.RESPONDER, Role.ADMIN, Role.OWNER])
                  .exclude(user_id__in=current.values("user_id")).select_related("user").order_by("user__email"))
    missing = [f"{membership.user.name or membership.user.email} has no current training record."
               for membership in responders]
    return _criterion("engineers_trained", "All engineers trained on incident response", missing)


def twilio_configured(organization: Organization) -> dict:
    """Voice and SMS pages (P0 voice, P1 push in the plan) go through Twilio: its settings must be set."""
    configured = comms_conf.twilio()
    unset = [name for key, name in TWILIO_SETTINGS.items() if not configured.get(key)]
    uses = (Severity.objects.filter(organization=organization).values_list("name", "paging_channels"))
    needing = [name for name, channels in uses if set(channels or []) & {"voice", "sms", "push"}]
    missing = [f"{name} is not set (needed by {', '.join(needing)})." for name in unset] if needing else []
    detail = "Configured." if not unset else "Not configured." if needing else "No severity pages by voice/SMS."
    return _criterion("voice_sms_paging", "Voice/SMS paging configured (TWILIO_* settings)", missing, detail)


def readiness(*, organization: Organization) -> dict:
    """Every criterion of the plan's section 12, plus the Twilio settings voice/SMS paging needs."""
    now = timezone.now()
    criteria = [severities_defined(organization), runbooks_for_top_services(organization),
                communication_templates(organization), oncall_established(organization, now),
                postmortem_practised(organization, now), engineers_trained(organization, now),
                twilio_configured(organization)]
    incidents = Incident.objects.filter(organization=organization, is_drill=False).count()
    return {"ready": all(criterion["passed"] for criterion in criteria), "checked_at": now,
            "passed": sum(criterion["passed"] for criterion in criteria), "total": len(criteria),
            "incidents": incidents, "criteria": criteria}
