import pytest
from django.urls import reverse

from comms.models import ChatDestination, ContactMethod
from tenancy.enums import Role

pytestmark = pytest.mark.django_db


def url(org, name, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_new_members_get_default_contact_methods_and_chains(org, make_member):
    member = make_member(org, Role.RESPONDER)
    kinds = set(ContactMethod.objects.filter(organization=org, user=member.user).values_list("kind", flat=True))
    assert kinds == {"email"}
    assert member.user.notification_rules.filter(urgency="high").count() == 3


def test_own_contact_methods_and_admin_for_anyone(org, member_of):
    responder, client = member_of(Role.RESPONDER)
    admin, admin_client = member_of(Role.ADMIN)
    created = client.post(url(org, "contact-methods-list"), {"kind": "sms", "value": "+14155550123",
                                                            "verified": True})
    assert created.status_code == 201, created.content
    assert created.json()["verified"] is False  # only admins verify
    assert created.json()["user"]["id"] == responder.user_id
    mine = client.get(url(org, "contact-methods-list")).json()["results"]
    assert {m["user"]["id"] for m in mine} == {responder.user_id}
    refused = client.post(url(org, "contact-methods-list"), {"user": admin.user_id, "kind": "email",
                                                            "value": "x@example.test"})
    assert refused.status_code == 403
    everyone = admin_client.get(url(org, "contact-methods-list")).json()["results"]
    assert {responder.user_id, admin.user_id} <= {m["user"]["id"] for m in everyone}
    for_responder = admin_client.post(url(org, "contact-methods-list"), {
        "user": responder.user_id, "kind": "voice", "value": "+14155550124", "verified": True})
    assert for_responder.status_code == 201
    assert for_responder.json()["verified"] is True


@pytest.mark.parametrize(("kind", "value"), [("sms", "0415 555"), ("email", "nope"), ("webhook", "ftp://x")])
def test_bad_contact_values_are_400_with_the_field(org, member_of, kind, value):
    _member, client = member_of(Role.RESPONDER)
    response = client.post(url(org, "contact-methods-list"), {"kind": kind, "value": value})
    assert response.status_code == 400
    assert "value" in response.json()["errors"]


def test_chat_destination_url_is_encrypted_and_never_echoed(org, member_of):
    _admin, client = member_of(Role.ADMIN)
    secret_url = "https://hooks.slack.com/services/T000/B000/verysecretpart1234"
    response = client.post(url(org, "chat-destinations-list"), {"name": "#incidents", "url": secret_url,
                                                               "severities": ["P0", "P1"]})
    assert response.status_code == 201, response.content
    assert "verysecretpart" not in response.content.decode()
    assert response.json()["url_hint"].endswith("1234")
    listed = client.get(url(org, "chat-destinations-list"))
    assert "verysecretpart" not in listed.content.decode()
    row = ChatDestination.objects.get(organization=org)
    assert "verysecretpart" not in row.url_encrypted
    assert row.url == secret_url


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 201)])
def test_chat_destinations_need_admin(org, member_of, role, expected):
    _member, client = member_of(role)
    response = client.post(url(org, "chat-destinations-list"), {"name": "#eng", "url": "https://x.example/h"})
    assert response.status_code == expected


def test_webhook_endpoint_secret_shown_once(org, member_of):
    _admin, client = member_of(Role.ADMIN)
    created = client.post(url(org, "webhook-endpoints-list"), {"name": "ops", "url": "https://ops.example/in"})
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    detail = client.get(url(org, "webhook-endpoints-detail", pk=created.json()["id"])).json()
    assert "secret" not in detail
    assert "url" not in detail


def test_notification_rules_chain_refuses_a_channel_twice(org, member_of):
    _member, client = member_of(Role.RESPONDER)
    first = client.post(url(org, "notification-rules-list"), {"urgency": "low", "channel": "webhook",
                                                             "delay_minutes": 2})
    assert first.status_code == 201
    again = client.post(url(org, "notification-rules-list"), {"urgency": "low", "channel": "webhook"})
    assert again.status_code == 400
    assert "channel" in again.json()["errors"]


def test_incident_notifications_escalation_and_escalate(paging_setup, member_of, django_capture_on_commit_callbacks):
    from incidents import services as incident_services

    org = paging_setup["org"]
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.incident_create(organization=org, title="DB down", severity="P1",
                                                     service=paging_setup["service"])
    _viewer, viewer_client = member_of(Role.VIEWER)
    _responder, client = member_of(Role.RESPONDER)
    ledger = viewer_client.get(url(org, "incident-notifications-list", number=incident.number))
    assert ledger.status_code == 200
    assert {n["channel"] for n in ledger.json()["results"]} == {"chat"}
    assert viewer_client.get(url(org, "incident-notifications-list", number=incident.number),
                             {"state": "failed"}).json()["results"] == []
    run = viewer_client.get(url(org, "incident-escalation", number=incident.number)).json()
    assert run["state"] == "active"
    assert run["current_step"] == 1
    assert run["steps"][0]["paged"][0]["user"]["id"] == paging_setup["alice"].pk
    assert viewer_client.post(url(org, "incident-escalate", number=incident.number)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        escalated = client.post(url(org, "incident-escalate", number=incident.number))
    assert escalated.status_code == 200, escalated.content
    assert escalated.json()["current_step"] == 2
    assert len(paging_setup["receiver"].at("/bob")) == 1
    # No step after the last: 409.
    assert client.post(url(org, "incident-escalate", number=incident.number)).status_code == 409
    assert viewer_client.get(url(org, "incident-escalation", number=999)).status_code == 404


def test_chat_user_id_contact_mentions_in_the_default_destination(paging_setup, django_capture_on_commit_callbacks):
    from comms.services import contacts
    from incidents import services as incident_services

    org, alice = paging_setup["org"], paging_setup["alice"]
    ContactMethod.objects.filter(user=alice, kind="chat").delete()
    contacts.contact_method_create(organization=org, user=alice, kind="chat", value="U123ALICE")
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_create(organization=org, title="DB down", severity="P1",
                                          service=paging_setup["service"])
    bodies = [r.json()["text"] for r in paging_setup["receiver"].at("/incidents")]
    assert any("<@U123ALICE>" in text for text in bodies)


def test_severity_routes_and_throttles_are_org_config(org, member_of):
    _admin, client = member_of(Role.ADMIN)
    route = client.post(url(org, "severity-routes-list"), {"severity_name": "P3", "person_channels": ["email"],
                                                          "announce_emails": ["engineering@example.test"]})
    assert route.status_code == 201, route.content
    bad = client.post(url(org, "severity-routes-list"), {"severity_name": "P2", "person_channels": ["pigeon"]})
    assert bad.status_code == 400
    assert "person_channels" in bad.json()["errors"]
    changed = client.patch(url(org, "severity-routes-detail", pk=route.json()["id"]), {"person_channels": ["sms"]})
    assert changed.json()["person_channels"] == ["sms"]
    assert changed.json()["announce_emails"] == ["engineering@example.test"]
    throttle = client.post(url(org, "channel-throttles-list"), {"channel": "sms", "max_count": 2, "per_seconds": 60})
    assert throttle.status_code == 201
    assert client.post(url(org, "channel-throttles-list"), {"channel": "sms", "max_count": 1,
                                                           "per_seconds": 60}).status_code == 400
