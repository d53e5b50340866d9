"""The demo organization's learning side: a published post-mortem of the database outage with its
action items (one overdue), a completed drill with its training records, and six months of history
so the metrics show a trend. Idempotent: nothing is added twice."""

from datetime import timedelta

from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident, RootCauseCategory, Runbook, Service
from postmortems import services
from postmortems.models import ActionItem, Drill, PostMortem
from tenancy.models import Organization, User

# (days ago, severity, service, minutes to ack, to mitigation, to resolution, root-cause category)
# Fewer and shorter incidents month after month: the trend the monthly review should show.
HISTORY = [
    (178, "P0", "Database", 9, 40, 95, "Capacity / resource exhaustion"),
    (165, "P1", "API", 12, 30, 70, "Bad deploy"),
    (150, "P1", "Workers", 7, 25, 60, "Capacity / resource exhaustion"),
    (141, "P2", "Enrichment", 20, None, 180, "Third-party dependency"),
    (120, "P0", "API", 6, 18, 45, "Bad deploy"),
    (104, "P1", "Mailboxes", 8, 20, 50, "Third-party dependency"),
    (88, "P2", "Database", 10, None, 120, "Capacity / resource exhaustion"),
    (70, "P1", "API", 5, 12, 35, "Bad deploy"),
    (55, "P2", "Workers", 6, None, 90, "Configuration change"),
    (40, "P1", "Enrichment", 4, 10, 28, "Third-party dependency"),
    (22, "P3", "Workers", 15, None, 240, "Configuration change"),
    (9, "P2", "API", 3, 8, 25, "Bad deploy"),
]
DEMO_ACTION_ITEMS = [
    ("Fix connection leaks in the user service (context managers)", "alice", 2, "in_progress"),
    ("Add a connection pool saturation alert (> 80 %)", "bob", -1, "open"),  # overdue
    ("Increase max_connections to 200", "bob", -1, "done"),
    ("Add an integration test for connection cleanup", "carol", 5, "open"),
]


def _person(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _category(organization: Organization, name: str) -> RootCauseCategory:
    category, _created = RootCauseCategory.objects.get_or_create(organization=organization, name=name)
    return category


def _history(organization: Organization) -> None:
    if Incident.objects.filter(organization=organization, source="import").exists():
        return
    now = timezone.now()
    services_by_name = {service.name: service for service in Service.objects.filter(organization=organization)}
    for days, severity, service, ack, mitigate, resolve, category in HISTORY:
        detected = now - timedelta(days=days)
        incident_services.incident_import(
            organization=organization, title=f"{service}: {category.lower()}", severity=severity,
            service=services_by_name.get(service), detected_at=detected,
            acknowledged_at=detected + timedelta(minutes=ack),
            mitigated_at=detected + timedelta(minutes=mitigate) if mitigate else None,
            resolved_at=detected + timedelta(minutes=resolve), impact_started_at=detected - timedelta(minutes=3),
            root_cause_category=_category(organization, category))


def _outage_postmortem(organization: Organization) -> None:
    incident = Incident.objects.filter(organization=organization, title="Database connection failure",
                                       is_drill=False).first()
    if incident is None or PostMortem.objects.filter(incident=incident, status="published").exists():
        return
    postmortem = services.postmortem_open(incident=incident)
    services.postmortem_whys_set(postmortem=postmortem, whys=[
        {"why": "Why did the API fail?", "because": "Every database connection was taken (100 of 100)."},
        {"why": "Why were all connections taken?", "because": "Idle connections were never closed."},
        {"why": "Why were they never closed?", "because": "The user service opened them without context managers."},
        {"why": "Why did review and staging miss it?", "because": "No load test exercises connection reuse."}])
    today = timezone.localdate()
    for title, name, days, status in DEMO_ACTION_ITEMS:
        if not ActionItem.objects.filter(postmortem=postmortem, title=title).exists():
            services.action_item_create(organization=organization, postmortem=postmortem, title=title,
                                        owner=_person(f"{name}@demo.foghorn.test"),
                                        due_date=today + timedelta(days=days), status=status, priority="high")
    services.postmortem_update(
        postmortem=postmortem, summary="45-minute outage due to connection pool exhaustion.",
        root_cause="Application code not using context managers → connections leaked.", users_affected=500,
        revenue_lost=150, applications_missed=25, impact_started_at=incident.detected_at - timedelta(minutes=5),
        went_well="Fast detection (5 min), effective containment",
        went_poorly="Should have caught in staging (better load testing needed)",
        lessons="Load-test connection reuse before every release.", status="published")


def _drill(organization: Organization) -> None:
    if Drill.objects.filter(organization=organization, title="Database failover tabletop").exists():
        return
    people = [person for person in (_person(f"{name}@demo.foghorn.test") for name in ("alice", "bob", "carol"))
              if person is not None]
    runbook = Runbook.objects.filter(organization=organization, title="Database connections exhausted").first()
    drill = services.drill_create(organization=organization, title="Database failover tabletop", runbook=runbook,
                                  scenario="" if runbook else "The primary database stops accepting connections.",
                                  scheduled_at=timezone.now() - timedelta(days=12),
                                  service=Service.objects.filter(organization=organization, name="Database").first(),
                                  facilitator=people[0] if people else None, participants=people)
    drill = services.drill_run(drill=drill)
    incident = incident_services.incident_resolve(incident=drill.incident, override_reason="Drill over.",
                                                  root_cause="Simulated: primary lost; failover tested.")
    postmortem = services.postmortem_open(incident=incident)
    services.postmortem_update(postmortem=postmortem, summary="Tabletop: database failover in 4 minutes.",
                               went_well="Runbook found at once; roles were clear.",
                               went_poorly="Step 3 of the runbook named the old replica.", status="published")
    services.drill_complete(drill=drill, outcome_notes="Failover took 4 minutes; the team knew their roles.",
                            findings="Runbook step 3 is outdated: it names the old replica.")


def seed(organization: Organization) -> None:
    _history(organization)
    _outage_postmortem(organization)
    _drill(organization)
