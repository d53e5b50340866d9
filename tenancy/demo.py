"""The demo organization's people. Other apps add their part in ``<app>/demo.py``."""

from tenancy import services
from tenancy.enums import Role
from tenancy.models import Membership, Organization, User

DEMO_SLUG = "demo"
DEMO_PASSWORD = "foghorn-demo"  # noqa: S105 — a published demo login, not a secret
DEMO_ADMIN_EMAIL = "admin@demo.foghorn.test"

DEMO_PEOPLE = [
    # email, name, role, job title (used by later apps for responder groups)
    (DEMO_ADMIN_EMAIL, "Dana Admin", Role.OWNER, "Head of SRE"),
    ("alice@demo.foghorn.test", "Alice Primary", Role.RESPONDER, "Backend engineer"),
    ("bob@demo.foghorn.test", "Bob Secondary", Role.RESPONDER, "Backend engineer"),
    ("carol@demo.foghorn.test", "Carol Oncall", Role.RESPONDER, "Platform engineer"),
    ("erin@demo.foghorn.test", "Erin Manager", Role.ADMIN, "Engineering manager"),
    ("frank@demo.foghorn.test", "Frank CTO", Role.ADMIN, "CTO"),
    ("grace@demo.foghorn.test", "Grace Support", Role.VIEWER, "Support lead"),
]


def seed(organization: Organization | None = None) -> Organization:
    """Create (or complete) the demo org and its people. Safe to run again."""
    organization = organization or Organization.objects.filter(slug=DEMO_SLUG).first()
    if organization is None:
        organization = services.organization_create(name="Demo Co", slug=DEMO_SLUG, time_zone="Europe/London")
    for email, name, role, _title in DEMO_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            # Everyone in the demo may log into the console; their role decides what they may do there.
            user = User.objects.create_user(email=email, name=name, password=DEMO_PASSWORD, is_staff=True)
        if not Membership.objects.filter(organization=organization, user=user).exists():
            Membership.objects.create(organization=organization, user=user, role=role)
    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    if not admin.is_superuser:
        admin.is_staff = True
        admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    return organization
