"""The demo organization's incident side: the plan's services, its top-five runbooks, and a few
incidents in different states, made through the services so their timelines are real."""

from datetime import timedelta

from django.utils import timezone

from incidents import services
from incidents.defaults import VERIFICATION_ITEMS
from incidents.enums import ActionKind, IncidentStatus, ParticipantRole
from incidents.models import Incident, RootCauseCategory, Runbook, Service
from oncall.models import EscalationPolicy
from tenancy.models import Organization, User

# The policy oncall's demo creates (the plan's primary → secondary → manager → CTO), by name.
DEMO_POLICY_NAMES = ("Default", "Default escalation", "Production on-call", "Engineering on-call")

DEMO_SERVICES = [
    ("API", "Public REST API behind the load balancer (ECS service api).", "Backend",
     "https://zoom.us/j/555000111?incident={number}"),
    ("Workers", "Background job workers (ECS service workers): applications, sync, emails.", "Backend",
     "https://zoom.us/j/555000222?incident={number}"),
    ("Enrichment", "Contact enrichment through external providers (Apollo…).", "Data",
     "https://zoom.us/j/555000333?incident={number}"),
    ("Mailboxes", "Connected user mailboxes and outbound email (SendGrid).", "Integrations",
     "https://zoom.us/j/555000444?incident={number}"),
    ("Database", "PostgreSQL on RDS (primary + replica).", "Platform",
     "https://zoom.us/j/555000555?incident={number}"),
]

DEMO_RUNBOOKS = [
    {
        "title": "Database connections exhausted",
        "services": ["Database", "API"],
        "tags": ["database", "rds", "p0"],
        "symptoms": "API 5xx with 'too many connections' / 'remaining connection slots are reserved'; "
                    "RDS DatabaseConnections at max_connections (100); request latency climbing.",
        "triage_steps": "1. RDS metrics: DatabaseConnections, CPU, FreeableMemory (last 30 min).\n"
                        "2. Who holds connections: SELECT usename, state, count(*) FROM pg_stat_activity "
                        "GROUP BY 1, 2 ORDER BY 3 DESC;\n"
                        "3. Recent deployment? Look for code paths not closing connections.",
        "resolution": "-- kill idle connections older than 5 minutes\n"
                      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle' "
                      "AND state_change < now() - interval '5 minutes';\n"
                      "# then roll back the last deploy if it leaks connections\n"
                      "aws ecs update-service --cluster roleferry-prod --service api "
                      "--task-definition roleferry-api:N-1",
        "escalation": "Secondary on-call → Engineering Manager → CTO; AWS support (Business) if RDS itself is "
                      "unhealthy.",
    },
    {
        "title": "API 5xx spike",
        "services": ["API"],
        "tags": ["api", "errors"],
        "symptoms": "Datadog: 5xx rate > 5% for 5 minutes; ALB HTTPCode_Target_5XX_Count rising; "
                    "users report failed applications.",
        "triage_steps": "1. Datadog APM: which endpoint and which error.\n"
                        "2. CloudWatch Logs: filter ERROR, last 30 min.\n"
                        "3. Recent deployment? Traffic spike? A dependency down (database, enrichment)?",
        "resolution": "# roll back the API\n"
                      "aws ecs update-service --cluster roleferry-prod --service api "
                      "--task-definition roleferry-api:N-1\n"
                      "# or scale out under load\n"
                      "aws ecs update-service --cluster roleferry-prod --service api --desired-count 10",
        "escalation": "Secondary on-call → Engineering Manager → CTO.",
    },
    {
        "title": "Enrichment provider down",
        "services": ["Enrichment", "Workers"],
        "tags": ["vendor", "enrichment"],
        "symptoms": "Enrichment job failure rate > 20%; provider calls time out or answer 5xx/429; "
                    "enrichment queue depth growing.",
        "triage_steps": "1. Provider status page (Apollo).\n"
                        "2. Worker logs for the provider's error codes (429 = our quota, 5xx = theirs).\n"
                        "3. Check our API key and quota in the provider dashboard.",
        "resolution": "# pause enrichment so the queue does not churn\n"
                      "aws secretsmanager update-secret --secret-id roleferry/prod/feature_flags "
                      "--secret-string '{\"ENABLE_ENRICHMENT\": false}'\n"
                      "# re-enable and replay the queue once the provider recovers",
        "escalation": "Provider support (Apollo) with request ids; Engineering Manager for customer comms.",
    },
    {
        "title": "Email provider degraded",
        "services": ["Mailboxes", "Workers"],
        "tags": ["vendor", "email", "sendgrid"],
        "symptoms": "Outbound email bounces or deferrals rising; SendGrid API 5xx; mailbox sync errors.",
        "triage_steps": "1. SendGrid status page and activity feed.\n"
                        "2. Worker logs: send failures by error code.\n"
                        "3. Is it one mailbox (user credentials) or all (provider)?",
        "resolution": "# hold outbound sends and let them queue\n"
                      "aws secretsmanager update-secret --secret-id roleferry/prod/feature_flags "
                      "--secret-string '{\"ENABLE_OUTBOUND_EMAIL\": false}'\n"
                      "# resume once SendGrid recovers; the queue drains by itself",
        "escalation": "SendGrid support; Support Lead to tell affected users.",
    },
    {
        "title": "Disk space low",
        "services": ["Workers", "Database"],
        "tags": ["capacity", "disk", "p3"],
        "symptoms": "Disk usage > 85% on a worker host or RDS FreeStorageSpace < 15%.",
        "triage_steps": "1. What grew: du -sh /var/log/* /tmp/* | sort -h | tail\n"
                        "2. RDS: FreeStorageSpace trend; large tables and bloat.\n"
                        "3. Log rotation working?",
        "resolution": "# clear old logs on the host\n"
                      "sudo journalctl --vacuum-time=3d\n"
                      "# grow RDS storage\n"
                      "aws rds modify-db-instance --db-instance-identifier roleferry-prod "
                      "--allocated-storage 200 --apply-immediately",
        "escalation": "Platform team during working hours (P3).",
    },
]


def _demo_policy(organization: Organization) -> EscalationPolicy | None:
    policies = EscalationPolicy.objects.filter(organization=organization)
    for name in DEMO_POLICY_NAMES:
        policy = policies.filter(name=name).first()
        if policy is not None:
            return policy
    return policies.order_by("id").first()


def _seed_catalog(organization: Organization) -> dict[str, Service]:
    policy = _demo_policy(organization)
    by_name = {}
    for name, description, team, war_room in DEMO_SERVICES:
        service, _created = Service.objects.get_or_create(organization=organization, name=name, defaults={
            "description": description, "owner_team": team, "war_room_url_template": war_room,
            "escalation_policy": policy})
        if service.escalation_policy_id is None and policy is not None:
            service.escalation_policy = policy
            service.save(update_fields=["escalation_policy"])
        by_name[name] = service
    for spec in DEMO_RUNBOOKS:
        fields = {key: value for key, value in spec.items() if key not in ("title", "services")}
        runbook, created = Runbook.objects.get_or_create(organization=organization, title=spec["title"],
                                                         defaults=fields)
        if created:
            runbook.services.set([by_name[name] for name in spec["services"]])
    return by_name


def _person(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _at(base, minutes: float):
    """Run the services inside as if it were ``minutes`` after ``base``: the demo's timelines carry
    the times a real incident would have, not one second."""
    return services.history_at(base + timedelta(minutes=minutes))


def _walk(incident: Incident, steps: list[tuple[float, str]], actor: User | None, base) -> Incident:
    for minutes, status in steps:
        with _at(base, minutes):
            incident = services.incident_transition(incident=incident, status=status, actor=actor)
    return incident


def _database_outage(organization: Organization, svc: dict[str, Service], alice: User | None) -> None:
    base = timezone.now() - timedelta(hours=26)
    with _at(base, 0):
        incident = services.incident_create(
            organization=organization, title="Database connection failure", severity="P0", service=svc["Database"],
            description="API down: RDS max_connections exhausted.", actor=None, source="datadog")
    with _at(base, 4):
        incident = services.incident_acknowledge(incident=incident, actor=alice)
    with _at(base, 6):
        incident = services.incident_transition(incident=incident, status=IncidentStatus.INVESTIGATING, actor=alice,
                                                note="Checking RDS metrics: connections = 100.")
    with _at(base, 12):
        services.incident_note_add(incident=incident, actor=alice, text="Idle connections are not being closed.")
    with _at(base, 19):
        services.incident_action_record(incident=incident, actor=alice, kind=ActionKind.OTHER,
                                        description="Killed idle connections",
                                        command="SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                                "WHERE state = 'idle';")
    incident = _walk(incident, [(24, IncidentStatus.FIXING), (33, IncidentStatus.MONITORING)], alice, base)
    with _at(base, 44):
        services.incident_checklist_update(incident=incident, actor=alice,
                                           changes=[{"key": key, "done": True} for key, _label in VERIFICATION_ITEMS])
    category = RootCauseCategory.objects.filter(organization=organization,
                                                name="Capacity / resource exhaustion").first()
    with _at(base, 48):
        services.incident_resolve(
            incident=incident, actor=alice, root_cause_category=category,
            root_cause="RDS max_connections exhausted: application code leaked connections (no context managers).",
            impact="~500 users unable to apply for 45 minutes.")


def _enrichment(organization: Organization, svc: dict[str, Service], bob: User | None, frank: User | None) -> None:
    base = timezone.now() - timedelta(hours=3)
    with _at(base, 0):
        enrichment = services.incident_create(organization=organization, title="Enrichment failing for all lookups",
                                              severity="P1", service=svc["Enrichment"], source="cloudwatch")
    with _at(base, 6):
        enrichment = services.incident_acknowledge(incident=enrichment, actor=bob)
    enrichment = _walk(enrichment, [(9, IncidentStatus.INVESTIGATING), (26, IncidentStatus.FIXING)], bob, base)
    with _at(base, 28):
        services.incident_action_record(incident=enrichment, actor=bob, kind=ActionKind.FEATURE_FLAG,
                                        description="Paused enrichment while Apollo is degraded",
                                        command="aws secretsmanager update-secret --secret-id "
                                                "roleferry/prod/feature_flags "
                                                "--secret-string '{\"ENABLE_ENRICHMENT\": false}'")
    if frank is not None:
        with _at(base, 31):
            services.participant_add(incident=enrichment, user=frank, role=ParticipantRole.DECISION_MAKER, actor=bob)


def _open_incidents(organization: Organization, svc: dict[str, Service], people: dict[str, User | None]) -> None:
    bob, carol, frank = people["bob"], people["carol"], people["frank"]
    _enrichment(organization, svc, bob, frank)
    base = timezone.now() - timedelta(hours=2)
    with _at(base, 0):
        slow = services.incident_create(organization=organization, title="Slow queries on the tracker page",
                                        severity="P2", service=svc["API"], source="datadog")
    with _at(base, 12):
        slow = services.incident_acknowledge(incident=slow, actor=carol)
    _walk(slow, [(21, IncidentStatus.INVESTIGATING)], carol, base)
    with _at(timezone.now(), -25):
        services.incident_create(organization=organization, title="Single mailbox failing to sync", severity="P2",
                                 service=svc["Mailboxes"], source="webhook")
    base = timezone.now() - timedelta(days=3)
    with _at(base, 0):
        disk = services.incident_create(organization=organization, title="Low disk space warning on workers",
                                        severity="P3", service=svc["Workers"], source="alertmanager")
    with _at(base, 38):
        disk = services.incident_resolve(incident=disk, actor=carol, override_reason="Logs rotated; no user impact.",
                                         root_cause="Log rotation disabled after an AMI update.", impact="None.")
    with _at(base, 60 * 20):
        services.incident_transition(incident=disk, status=IncidentStatus.CLOSED, actor=carol,
                                     note="Post-mortem waived (P3, no user impact).")
    base = timezone.now() - timedelta(hours=5)
    with _at(base, 0):
        drill = services.incident_create(organization=organization, title="Tabletop drill: API returns 100% errors",
                                         severity="P0", service=svc["API"], is_drill=True)
    with _at(base, 3):
        drill = services.incident_acknowledge(incident=drill, actor=carol)
    _walk(drill, [(7, IncidentStatus.INVESTIGATING), (34, IncidentStatus.MONITORING)], carol, base)


def seed(organization: Organization) -> None:
    """Add the incident side of the demo. Idempotent: incidents are created only in an org that has none."""
    by_name = _seed_catalog(organization)
    if Incident.objects.filter(organization=organization).exists():
        return
    people = {name: _person(f"{name}@demo.foghorn.test") for name in ("alice", "bob", "carol", "frank")}
    _database_outage(organization, by_name, people["alice"])
    _open_incidents(organization, by_name, people)
