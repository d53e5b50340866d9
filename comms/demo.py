"""The demo organization's comms: contact methods and default chains for its people, chat destinations
pointing at a local receiver (nothing leaves the laptop), the plan's P3 email list. Idempotent."""

from comms.models import ChatDestination, ContactMethod, SeverityRoute
from comms.services import contacts
from tenancy.models import Membership, Organization

# A local URL: start any HTTP listener on it to watch the chat messages (e.g. ``nc -lk 8099``).
DEMO_CHAT_BASE = "http://127.0.0.1:8099/hooks"
DEMO_PHONES = {
    "alice@demo.foghorn.test": "+15555550101",
    "bob@demo.foghorn.test": "+15555550102",
    "carol@demo.foghorn.test": "+15555550103",
}
DEMO_DESTINATIONS = [
    ("#incidents", ["P0", "P1"], True),
    ("#engineering", ["P2"], False),
]


def seed(organization: Organization) -> None:
    for membership in Membership.objects.filter(organization=organization).select_related("user"):
        user = membership.user
        contacts.contact_defaults_ensure(organization=organization, user=user)
        phone = DEMO_PHONES.get(user.email)
        for kind in ("sms", "voice") if phone else ():
            if not ContactMethod.objects.filter(organization=organization, user=user, kind=kind).exists():
                contacts.contact_method_create(organization=organization, user=user, kind=kind, value=phone,
                                               label="Mobile", verified=True)
    for name, severities, is_default in DEMO_DESTINATIONS:
        if not ChatDestination.objects.filter(organization=organization, name=name).exists():
            contacts.chat_destination_create(organization=organization, name=name,
                                             url=f"{DEMO_CHAT_BASE}/{name.lstrip('#')}", severities=severities,
                                             is_default=is_default)
    if not SeverityRoute.objects.filter(organization=organization, severity_name="P3").exists():
        contacts.severity_route_save(organization=organization, severity_name="P3", person_channels=["email"],
                                     announce_emails=[f"engineering@{organization.slug}.foghorn.test"])
