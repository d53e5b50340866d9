"""What every new organization starts with (the plan's severities, root-cause categories), and the
checklist templates every incident gets (the plan's 4.2 triage and 6.2 verification)."""

from datetime import timedelta

from django.db import transaction

from incidents.enums import ChecklistKind, PagingChannel
from incidents.models import IncidentSequence, RootCauseCategory, Severity
from tenancy.models import Organization

# name, label, rank, description, ack_sla, update_interval, war_room, paging channels (plan §1, §3.2, §5.3)
DEFAULT_SEVERITIES = [
    ("P0", "Critical", "Total service outage (e.g. database down, API 100% errors).",
     timedelta(minutes=15), timedelta(minutes=15), True, [PagingChannel.VOICE, PagingChannel.CHAT]),
    ("P1", "High", "Major functionality broken (e.g. enrichment failing, 5xx > 5%).",
     timedelta(hours=1), timedelta(minutes=30), True, [PagingChannel.PUSH, PagingChannel.CHAT]),
    ("P2", "Medium", "Partial degradation (e.g. slow queries, single mailbox down).",
     timedelta(hours=4), timedelta(hours=2), False, [PagingChannel.CHAT]),
    ("P3", "Low", "Minor issues, no user impact (e.g. low disk space warning).",
     timedelta(hours=24), None, False, [PagingChannel.EMAIL]),
]

# The plan's hypotheses (§5.1) and the causes its runbooks cover (§10).
DEFAULT_ROOT_CAUSE_CATEGORIES = [
    ("Code bug", "A recent deployment introduced a defect."),
    ("Configuration change", "A setting, secret or feature flag was changed."),
    ("Capacity / resource exhaustion", "Connections, memory, disk or CPU ran out."),
    ("Traffic spike", "DDoS or sudden growth beyond provisioned capacity."),
    ("External provider", "A vendor or cloud dependency failed (AWS, SendGrid, Apollo…)."),
    ("Infrastructure", "Hosts, network, DNS or the database platform failed."),
    ("Unknown", "Not determined."),
]

TRIAGE_ITEMS = [
    ("acknowledge_alert", "Acknowledge alert (stops paging)"),
    ("assess_severity", "Assess severity (how many users affected?)"),
    ("create_channel", "Create incident channel"),
    ("notify_stakeholders", "Notify stakeholders (engineering, leadership)"),
    ("start_war_room", "Start war room (call for P0/P1)"),
]
STABLE_MONITORING_KEY = "stable_30_minutes"
STABLE_MONITORING_PERIOD = timedelta(minutes=30)
VERIFICATION_ITEMS = [
    ("health_checks", "Health checks passing"),
    ("error_rate_baseline", "Error rate back to baseline (< 0.1%)"),
    ("latency_normal", "Latency normal (< 500 ms P95)"),
    ("key_features_working", "Key features working"),
    (STABLE_MONITORING_KEY, "Monitor for 30 minutes (ensure stable)"),
]
CHECKLIST_TEMPLATES = {ChecklistKind.TRIAGE: TRIAGE_ITEMS, ChecklistKind.VERIFICATION: VERIFICATION_ITEMS}


@transaction.atomic
def organization_defaults_create(organization: Organization) -> None:
    """The new-org hook (``tenancy.services.ORGANIZATION_CREATED_HOOKS``). Safe to run twice."""
    for name, label, rank_description in _severity_rows():
        Severity.objects.get_or_create(organization=organization, name=name,
                                       defaults={"label": label, **rank_description})
    for name, description in DEFAULT_ROOT_CAUSE_CATEGORIES:
        RootCauseCategory.objects.get_or_create(organization=organization, name=name,
                                                defaults={"description": description})
    IncidentSequence.objects.get_or_create(organization=organization)


def _severity_rows():
    for rank, (name, label, description, ack_sla, update_interval, war_room, channels) in enumerate(
        DEFAULT_SEVERITIES
    ):
        yield name, label, {
            "rank": rank, "description": description, "ack_sla": ack_sla, "update_interval": update_interval,
            "war_room": war_room, "paging_channels": [str(channel) for channel in channels],
        }
