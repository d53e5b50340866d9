"""The demo organization's comms: contact methods and default chains for its people and the plan's P3
email list. No chat destinations: nothing listens for them on a laptop, and every page would log a
failed delivery (add your own Slack/Teams webhook in the admin). Idempotent."""

from comms.models import ChatDestination, ContactMethod, SeverityRoute
from comms.services import contacts
from tenancy.models import Membership, Organization

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
