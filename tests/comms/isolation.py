from django.utils import timezone

from comms.models import EscalationRun, Notification
from comms.services import contacts
from incidents import services as incident_services
from tenancy.enums import Role
from tenancy.models import Organization
from tests.isolation import IsolationCase
from tests.tenancy.factories import MembershipFactory, UserFactory


def _member(org, marker=""):
    return MembershipFactory(organization=org, role=Role.RESPONDER, user=UserFactory(name=marker)).user


def make_contact_method(org, marker):
    """A person who is a member of every organization (the attacker's too) with a number registered in
    ``org`` only: contact methods belong to (person, organization), so org B never sees it."""
    user = _member(org)
    for other in Organization.objects.exclude(pk=org.pk):
        MembershipFactory(organization=other, role=Role.RESPONDER, user=user)
    method, _secret = contacts.contact_method_create(organization=org, user=user, kind="sms",
                                                     value="+14155550142", label=marker)
    method.only_in_org_a = _member(org)  # what org B's create must not point at
    return method


def make_rule(org, marker):
    return contacts.notification_rule_save(organization=org, user=_member(org, marker), urgency="high",
                                           channel="webhook", delay_minutes=7)


def make_destination(org, marker):
    return contacts.chat_destination_create(organization=org, name=marker, url="https://chat.example.test/hook/1",
                                            severities=["P0"])


def make_route(org, marker):
    return contacts.severity_route_save(organization=org, severity_name="P3", person_channels=["email"],
                                        announce_emails=[f"{marker}@example.test"])


def make_throttle(org, marker):
    return contacts.channel_throttle_save(organization=org, channel="voice", max_count=2, per_seconds=120)


def make_endpoint(org, marker):
    endpoint, _secret = contacts.webhook_endpoint_create(organization=org, name=marker,
                                                         url="https://hooks.example.test/in")
    return endpoint


def make_run(org, marker):
    incident = incident_services.incident_create(organization=org, title=marker, severity="P1")
    return EscalationRun.objects.create(organization=org, incident=incident, policy_snapshot={"steps": []},
                                        severity_name="P1")


def make_notification(org, marker):
    run = make_run(org, marker)
    return Notification.objects.create(organization=org, incident=run.incident, run=run, channel="email",
                                       address=f"{marker}@example.test", idempotency_key=f"{run.pk}:{marker}",
                                       due_at=timezone.now())


def incident_kwargs(obj):
    return {"number": obj.incident.number, "pk": obj.pk}


CASES = [
    IsolationCase(
        url_names=("contact-methods-list", "contact-methods-detail"),
        make=make_contact_method,
        create_payload=lambda obj, org_b: {"user": obj.only_in_org_a.pk, "kind": "email", "value": "b@example.test"},
        body={"label": "stolen"},
    ),
    IsolationCase(
        url_names=("notification-rules-list", "notification-rules-detail"),
        make=make_rule,
        create_payload=lambda obj, org_b: {"user": obj.user_id, "urgency": "low", "channel": "sms"},
        body={"delay_minutes": 1},
    ),
    IsolationCase(
        url_names=("chat-destinations-list", "chat-destinations-detail"),
        make=make_destination,
        creates_without_foreign_keys=True,
        body={"name": "stolen", "url": "https://evil.example.test/"},
    ),
    IsolationCase(
        url_names=("severity-routes-list", "severity-routes-detail"),
        make=make_route,
        creates_without_foreign_keys=True,
        body={"person_channels": ["sms"]},
    ),
    IsolationCase(
        url_names=("channel-throttles-list", "channel-throttles-detail"),
        make=make_throttle,
        creates_without_foreign_keys=True,
        body={"max_count": 9},
    ),
    IsolationCase(
        url_names=("webhook-endpoints-list", "webhook-endpoints-detail"),
        make=make_endpoint,
        creates_without_foreign_keys=True,
        body={"url": "https://evil.example.test/"},
    ),
    IsolationCase(
        url_names=("incident-notifications-list", "incident-notifications-detail"),
        make=make_notification,
        url_kwargs=incident_kwargs,
    ),
    IsolationCase(
        url_names=("incident-escalation", "incident-escalate"),
        make=make_run,
        url_kwargs=incident_kwargs,
    ),
]


def make_status_update(org, marker):
    from comms.services import status as status_services

    author = _member(org)
    incident = incident_services.incident_create(organization=org, title=marker, severity="P1")
    return status_services.status_update_post(incident=incident, audience="internal", posted_by=author,
                                              status="investigating", impact=marker)


def make_template(org, marker):
    from comms.services import templates

    return templates.message_template_save(organization=org, kind="internal", body=f"{marker} {{{{ title }}}}")


def make_affected_user(org, marker):
    from comms.services import affected

    incident = incident_services.incident_create(organization=org, title=marker, severity="P2")
    affected.affected_users_import(incident=incident, parsed=affected.parse_json(
        [{"email": "ann@example.test", "name": marker}]))
    return incident.affected_users.get()


def make_campaign(org, marker):
    from comms.services import campaigns

    person = make_affected_user(org, marker)
    incident = incident_services.incident_resolve(incident=person.incident, override_reason="isolation test")
    return campaigns.campaign_start(incident=incident, name=marker)


CASES += [
    IsolationCase(
        url_names=("incident-status-updates-list", "incident-status-updates-detail", "incident-status-updates-draft"),
        make=make_status_update,
        url_kwargs=incident_kwargs,
        body={"audience": "internal", "status": "fixing"},
    ),
    IsolationCase(
        url_names=("message-templates-list", "message-templates-detail", "message-templates-defaults"),
        make=make_template,
        creates_without_foreign_keys=True,
        body={"kind": "internal", "body": "stolen"},
    ),
    IsolationCase(
        url_names=("incident-affected-users-list", "incident-affected-users-detail"),
        make=make_affected_user,
        url_kwargs=incident_kwargs,
        body={"users": [{"email": "evil@example.test"}]},
    ),
    IsolationCase(
        url_names=("incident-affected-users-email",),
        make=make_campaign,
        url_kwargs=incident_kwargs,
        body={"name": "stolen"},
    ),
]
