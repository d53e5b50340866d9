"""Contact methods belong to (person, organization): a number given to org A is never shown to or
paged by org B, even when the same person is a member of both (issue 10)."""

import pytest

from comms.models import Notification
from comms.services import contacts
from incidents import services as incident_services
from incidents.models import Service
from tenancy.enums import Role
from tests.comms import factories
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_org_b_pages_with_its_own_methods_only(make_org, make_member, receiver, api_client_for,
                                                django_capture_on_commit_callbacks):
    org_a, org_b = make_org(), make_org()
    shared = make_member(org_a, Role.RESPONDER, name="Sam Shared").user
    MembershipFactory(organization=org_b, user=shared, role=Role.RESPONDER)
    factories.chat_method(org_a, shared, receiver.url("/org-a-private-chat"))
    factories.chain(org_a, shared, ("chat", 0), urgency="high")
    factories.chain(org_b, shared, ("chat", 0), ("sms", 0), urgency="high")
    contacts.contact_method_create(organization=org_a, user=shared, kind="sms", value="+14155550177")
    policy = factories.policy(org_b, ([shared], 5))
    service = Service.objects.create(organization=org_b, name="API", escalation_policy=policy)
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.incident_create(organization=org_b, title="B is down", severity="P1",
                                                     service=service)
    sent = Notification.objects.filter(incident=incident, recipient=shared)
    assert set(sent.values_list("channel", flat=True)) == {"email"}  # org B knows only the account email
    assert receiver.at("/org-a-private-chat") == []
    assert "+14155550177" not in str(list(sent.values_list("address", flat=True)))
    admin_b = make_member(org_b, Role.ADMIN)
    listed = api_client_for(admin_b).get(f"/api/v1/orgs/{org_b.slug}/contact-methods/?user={shared.pk}")
    assert listed.status_code == 200
    assert {m["kind"] for m in listed.json()["results"]} == {"email"}
    assert "+14155550177" not in listed.content.decode()


def test_delivery_never_uses_another_orgs_contact_method(make_org, make_member, receiver):
    from django.utils import timezone

    from comms.models import EscalationRun
    from comms.services import delivery

    org_a, org_b = make_org(), make_org()
    shared = make_member(org_a, Role.RESPONDER).user
    MembershipFactory(organization=org_b, user=shared, role=Role.RESPONDER)
    method_a = factories.chat_method(org_a, shared, receiver.url("/org-a-only"))
    incident = incident_services.incident_create(organization=org_b, title="B", severity="P2")
    run = EscalationRun.objects.create(organization=org_b, incident=incident, policy_snapshot={"steps": []},
                                       severity_name="P2")
    row = Notification.objects.create(organization=org_b, incident=incident, run=run, channel="chat",
                                      recipient=shared, contact_method=method_a, address=method_a.value_hint,
                                      idempotency_key=f"{run.pk}:cross-org", due_at=timezone.now())
    assert delivery.notification_deliver(notification_id=row.pk) == "failed"
    assert receiver.at("/org-a-only") == []
