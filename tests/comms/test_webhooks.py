import hashlib
import hmac
from datetime import timedelta

import pytest
import time_machine

from comms.enums import DeliveryState
from comms.models import WebhookDelivery
from comms.services import contacts, webhooks
from incidents import services as incident_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(paging_setup):
    endpoint, secret = contacts.webhook_endpoint_create(organization=paging_setup["org"], name="ops",
                                                        url=paging_setup["receiver"].url("/ops"))
    return endpoint, secret


def test_events_are_posted_signed_in_order_with_an_idempotency_id(paging_setup, endpoint,
                                                                   django_capture_on_commit_callbacks):
    _endpoint, secret = endpoint
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        incident = incident_services.incident_create(organization=paging_setup["org"], title="API down",
                                                     severity="P1", service=paging_setup["service"])
    with capture(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=paging_setup["alice"])
    with capture(execute=True):
        incident_services.incident_resolve(incident=incident, override_reason="fixed")
    received = paging_setup["receiver"].at("/ops")
    assert [r.json()["event"] for r in received] == ["incident.triggered", "incident.acknowledged",
                                                     "incident.resolved"]
    for request in received:
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Foghorn-Signature"] == f"sha256={expected}"
        assert request.headers["X-Foghorn-Delivery"] == request.json()["id"]
    assert len({r.headers["X-Foghorn-Delivery"] for r in received}) == 3


def test_failures_retry_with_backoff_and_hold_later_events(paging_setup, endpoint,
                                                           django_capture_on_commit_callbacks):
    receiver = paging_setup["receiver"]
    answers = iter([500, 200, 200])
    receiver.respond("/ops", status=lambda: next(answers))
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        incident = incident_services.incident_create(organization=paging_setup["org"], title="API down",
                                                     severity="P1", service=paging_setup["service"])
    with capture(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=paging_setup["alice"])
    first, second = WebhookDelivery.objects.order_by("timeline_event_id")
    assert first.state == DeliveryState.PENDING
    assert first.attempts == 1
    assert second.attempts == 0  # waits for the first: in order per incident
    with time_machine.travel(first.next_attempt_at + timedelta(seconds=1), tick=False), capture(execute=True):
        webhooks.webhooks_tick()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (DeliveryState.DELIVERED, DeliveryState.DELIVERED)
    assert [r.json()["event"] for r in receiver.at("/ops")] == ["incident.triggered", "incident.triggered",
                                                                "incident.acknowledged"]


def test_gives_up_after_about_twenty_minutes(paging_setup, endpoint, django_capture_on_commit_callbacks):
    from comms import conf

    assert 17 * 60 <= sum(conf.webhook_retry_schedule()) <= 25 * 60
    paging_setup["receiver"].respond("/ops", status=503)
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_create(organization=paging_setup["org"], title="API down", severity="P1",
                                          service=paging_setup["service"])
    delivery = WebhookDelivery.objects.get()
    for _ in range(len(conf.webhook_retry_schedule())):
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False), \
                django_capture_on_commit_callbacks(execute=True):
            webhooks.webhooks_tick()
        delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == len(conf.webhook_retry_schedule()) + 1
