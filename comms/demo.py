"""The demo organization's comms: contact methods and default chains for its people and the plan's P3
email list. No chat destinations: nothing listens for them on a laptop, and every page would log a
failed delivery (add your own Slack/Teams webhook in the admin). Idempotent."""

from datetime import timedelta

from django.utils import timezone

from comms.models import ChatDestination, ContactMethod, SeverityRoute, StatusUpdate
from comms.services import affected, campaigns, contacts
from comms.services import status as status_services
from incidents import services as incident_services
from incidents.models import Incident, Service
from tenancy.models import Membership, Organization, User

# Earlier demos pointed chat destinations at this port, where nothing listens: seeding removes them.
LEGACY_CHAT_HINT = "http://127.0.0.1:8099/"
DEMO_PHONES = {
    "alice@demo.foghorn.test": "+15555550101",
    "bob@demo.foghorn.test": "+15555550102",
    "carol@demo.foghorn.test": "+15555550103",
}
LEGACY_DESTINATIONS = ("#incidents", "#engineering")


def seed(organization: Organization) -> None:
    for membership in Membership.objects.filter(organization=organization).select_related("user"):
        user = membership.user
        contacts.contact_defaults_ensure(organization=organization, user=user)
        phone = DEMO_PHONES.get(user.email)
        for kind in ("sms", "voice") if phone else ():
            if not ContactMethod.objects.filter(organization=organization, user=user, kind=kind).exists():
                contacts.contact_method_create(organization=organization, user=user, kind=kind, value=phone,
                                               label="Mobile", verified=True)
    for destination in ChatDestination.objects.filter(organization=organization, name__in=LEGACY_DESTINATIONS,
                                                      url_hint__startswith=LEGACY_CHAT_HINT):
        contacts.object_delete(obj=destination)
    if not SeverityRoute.objects.filter(organization=organization, severity_name="P3").exists():
        contacts.severity_route_save(organization=organization, severity_name="P3", person_channels=["email"],
                                     announce_emails=[f"engineering@{organization.slug}.foghorn.test"])
    seed_status_updates(organization)


DEMO_AFFECTED = [
    {"email": "maria@customers.demo.foghorn.test", "name": "Maria", "plan": "pro"},
    {"email": "kenji@customers.demo.foghorn.test", "name": "Kenji", "plan": "free"},
    {"email": "amara@customers.demo.foghorn.test", "name": "Amara", "plan": "team"},
]


def _resolved_outage(organization: Organization) -> Incident:
    """The plan's own story: applications failing for 45 minutes, fixed, resolved (updates posted on the way)."""
    service = Service.objects.filter(organization=organization, name="API").first()
    incident = incident_services.incident_create(
        organization=organization, title="Job applications failing", severity="P1", service=service,
        detected_at=timezone.now() - timedelta(minutes=45), source="datadog")
    commander = incident.commander or User.objects.filter(email="alice@demo.foghorn.test").first()
    incident = incident_services.incident_acknowledge(incident=incident, actor=commander)
    incident = incident_services.incident_update_details(incident=incident, actor=commander,
                                                         customer_impact="Users cannot submit applications")
    status_services.status_update_post(incident=incident, audience="internal", posted_by=commander,
                                       status="investigating", apply_status=True,
                                       root_cause="Unknown (checking RDS metrics)", eta="15 minutes")
    status_services.status_update_post(incident=incident, audience="public", posted_by=commander,
                                       status="investigating")
    incident_services.incident_action_record(incident=incident, actor=commander, kind="deploy_fix",
                                             description="Increased max_connections from 100 to 200, deployed "
                                                         "connection pooling fix")
    return incident_services.incident_resolve(
        incident=incident, actor=commander, override_reason="Demo data",
        root_cause="RDS max_connections exhausted (killed idle connections)",
        impact="~500 users unable to apply during outage")


def seed_status_updates(organization: Organization) -> None:
    """An open incident with internal and public updates; the resolved outage with its closure message, its
    public resolution and a sent affected-user campaign. Idempotent: only in an org with no update yet."""
    if StatusUpdate.objects.filter(organization=organization).exists():
        return
    open_one = Incident.objects.filter(organization=organization, title="Enrichment failing for all lookups").first()
    if open_one is not None:
        commander = open_one.commander
        status_services.status_update_post(
            incident=open_one, audience="internal", posted_by=commander, status="fixing",
            impact="Contact enrichment returns nothing", root_cause="Apollo API degraded (vendor)", eta="1 hour")
        status_services.status_update_post(
            incident=open_one, audience="public", posted_by=commander, status="fixing",
            title="Contact enrichment delayed", impact="New contacts are not enriched; everything else works.")
    outage = _resolved_outage(organization)
    status_services.status_update_post(incident=outage, audience="closure", posted_by=outage.commander,
                                       status="resolved")
    status_services.status_update_post(incident=outage, audience="public", posted_by=outage.commander,
                                       status="resolved")
    affected.affected_users_import(incident=outage, parsed=affected.parse_json(DEMO_AFFECTED))
    campaign = campaigns.campaign_start(incident=outage, created_by=outage.commander, overrides={
        "compensation": "We have added a week of Pro to your account."})
    campaigns.campaign_send(campaign_id=campaign.pk)
