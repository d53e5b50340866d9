"""Subscribe → confirm by POST (a GET does not) → update email → one-click unsubscribe; forged links;
rate limits; per-component choice; the admin import; expiry."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from comms.enums import NotificationState, Purpose
from comms.models import Notification
from comms.statuspage import signing
from comms.statuspage.models import Subscriber
from comms.statuspage.services import subscribers
from incidents import events
from incidents.enums import TimelineKind
from incidents.models import TimelineEventDelivery
from tests.statuspage import factories

pytestmark = pytest.mark.django_db


def links(message) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", message.body)


def sign_up(client, org, email="ann@example.test", capture=None, **extra):
    with capture(execute=True):
        return client.post(f"/status/{org.slug}/subscribe", {"email": email, **extra}, REMOTE_ADDR="10.1.1.1")


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def confirmed(client, setup, capture, email="ann@example.test", **extra) -> Subscriber:
    assert sign_up(client, setup["org"], email, capture, **extra).status_code == 202
    confirm_link = next(link for link in links(mail.outbox[-1]) if "/subscription/confirm/" in link)
    with capture(execute=True):
        assert client.post(path_of(confirm_link)).status_code == 200
    return Subscriber.objects.get(organization=setup["org"], email=email)


def post_update(setup, capture, svc="api", **values):
    with capture(execute=True):
        incident = factories.incident(setup["org"], setup[svc], severity="P1")
        return factories.public_update(incident, **values)


def test_the_whole_subscriber_journey(status_setup, client, django_capture_on_commit_callbacks):
    capture, org = django_capture_on_commit_callbacks, status_setup["org"]
    response = sign_up(client, org, "Ann@Example.TEST", capture)
    assert response.status_code == 202
    assert b"Check your inbox" in response.content
    [confirmation] = mail.outbox
    assert confirmation.to == ["Ann@example.test"]
    assert "List-Unsubscribe" in confirmation.extra_headers
    confirm_link = next(link for link in links(confirmation) if "/subscription/confirm/" in link)
    page = client.get(path_of(confirm_link))  # a mail scanner fetching the link
    assert page.status_code == 200
    assert b"<form method=\"post\">" in page.content
    assert Subscriber.objects.get(organization=org).confirmed_at is None
    assert client.post(path_of(confirm_link)).status_code == 200
    assert Subscriber.objects.get(organization=org).confirmed_at is not None

    update = post_update(status_setup, capture, title="Slow website", body="We are on it.")
    message = mail.outbox[-1]
    assert message.to == ["Ann@example.test"]
    assert "Slow website" in message.subject
    assert "We are on it." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    [row] = Notification.objects.filter(organization=org, purpose=Purpose.SUBSCRIBER,
                                        idempotency_key__startswith=f"sp:u:{update.public_id}:")
    assert row.state == NotificationState.SENT

    # The outbox delivers at least once: a second dispatch of the same event sends nothing more.
    event = update.incident.timeline.get(kind=TimelineKind.STATUS_UPDATE_POSTED)
    TimelineEventDelivery.objects.filter(event=event).delete()
    count = len(mail.outbox)
    with capture(execute=True):
        events.dispatch(event.pk)
    assert len(mail.outbox) == count

    # RFC 8058 one-click: the mail client POSTs List-Unsubscribe=One-Click.
    response = client.post(path_of(unsubscribe), "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscriber.objects.filter(organization=org).exists()
    post_update(status_setup, capture, title="Another one")
    assert len(mail.outbox) == count


def test_a_get_of_the_unsubscribe_link_changes_nothing(status_setup, client, django_capture_on_commit_callbacks):
    subscriber = confirmed(client, status_setup, django_capture_on_commit_callbacks)
    assert client.get(path_of(signing.unsubscribe_url(subscriber))).status_code == 200
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_forged_or_foreign_manage_links_are_refused(status_setup, client, django_capture_on_commit_callbacks,
                                                    make_org):
    capture = django_capture_on_commit_callbacks
    ann = confirmed(client, status_setup, capture, "ann@example.test")
    bob = confirmed(client, status_setup, capture, "bob@example.test")
    token = signing.token(ann, signing.MANAGE)
    slug = status_setup["org"].slug
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/status/{slug}/subscription/{forged}/").status_code == 404
    assert client.post(f"/status/{slug}/subscription/{forged}/", {"action": "unsubscribe"}).status_code == 404
    confirm_token = signing.token(bob, signing.CONFIRM)  # right signer key, wrong purpose
    assert client.post(f"/status/{slug}/subscription/{confirm_token}/", {"action": "unsubscribe"}).status_code == 404
    other = make_org()
    factories.enabled_page(other)
    assert client.post(f"/status/{other.slug}/subscription/{token}/", {"action": "unsubscribe"}).status_code == 404
    assert Subscriber.objects.filter(pk__in=[ann.pk, bob.pk]).count() == 2
    # The genuine link works, and only for its owner.
    assert client.post(f"/status/{slug}/subscription/{token}/", {"action": "unsubscribe"}).status_code == 200
    assert list(Subscriber.objects.filter(organization=status_setup["org"]).values_list("email", flat=True)) == [
        "bob@example.test"]
    assert client.get(f"/status/{slug}/subscription/{token}/").status_code == 404  # dead with its row


def test_components_choice_decides_who_hears(status_setup, client, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    confirmed(client, status_setup, capture, "db@example.test", components=[status_setup["db_component"].public_id])
    everyone = confirmed(client, status_setup, capture, "all@example.test")
    mail.outbox.clear()
    post_update(status_setup, capture, svc="api", title="API slow")
    assert [m.to for m in mail.outbox] == [["all@example.test"]]
    mail.outbox.clear()
    post_update(status_setup, capture, svc="database", title="DB slow")
    assert sorted(m.to[0] for m in mail.outbox) == ["all@example.test", "db@example.test"]
    # The manage page changes the choice.
    manage = path_of(signing.manage_url(everyone))
    assert client.post(manage, {"components": [status_setup["db_component"].public_id]}).status_code == 200
    mail.outbox.clear()
    post_update(status_setup, capture, svc="api", title="API slow again")
    assert mail.outbox == []


def test_drills_and_internal_updates_email_nobody(status_setup, client, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    confirmed(client, status_setup, capture)
    mail.outbox.clear()
    with capture(execute=True):
        drill = factories.incident(status_setup["org"], status_setup["api"], is_drill=True)
        factories.public_update(drill)
        factories.public_update(factories.incident(status_setup["org"], status_setup["api"]), audience="internal")
    assert mail.outbox == []


def test_unconfirmed_subscribers_get_nothing_and_expire(status_setup, client, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    sign_up(client, status_setup["org"], "late@example.test", capture)
    mail.outbox.clear()
    post_update(status_setup, capture)
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        assert subscribers.subscribers_expire() == 1
    assert not Subscriber.objects.filter(email="late@example.test").exists()


def test_sign_up_is_rate_limited_per_address_and_per_ip(status_setup, client, settings,
                                                         django_capture_on_commit_callbacks):
    settings.STATUSPAGE_SUBSCRIBE_PER_ADDRESS_HOUR = 2
    settings.STATUSPAGE_SUBSCRIBE_PER_IP_HOUR = 3
    url = f"/status/{status_setup['org'].slug}/subscribe"
    codes = [client.post(url, {"email": "same@example.test"}, REMOTE_ADDR=f"10.2.0.{n}").status_code
             for n in range(3)]
    assert codes == [202, 202, 429]
    codes = [client.post(url, {"email": f"p{n}@example.test"}, REMOTE_ADDR="10.3.0.1").status_code for n in range(4)]
    assert codes == [202, 202, 202, 429]


def test_sign_up_errors_name_the_field_and_never_reveal_an_address(status_setup, client,
                                                                  django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    url = f"/status/{status_setup['org'].slug}/subscribe"
    response = client.post(url, {"email": "nope"}, content_type="application/json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    response = client.post(url, {"email": "a@example.test", "components": ["zzz"]}, content_type="application/json")
    assert response.status_code == 400
    assert "components" in response.json()["errors"]
    confirmed(client, status_setup, capture, "known@example.test")
    with capture(execute=True):
        again = client.post(url, {"email": "known@example.test"}, content_type="application/json",
                            REMOTE_ADDR="10.4.0.1")
        fresh = client.post(url, {"email": "new@example.test"}, content_type="application/json",
                            REMOTE_ADDR="10.4.0.2")
    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json()
    assert "already subscribed" in mail.outbox[-2].body  # the known address gets its manage link again
    assert "/subscription/" in mail.outbox[-2].body
    assert "Confirm on this page" in mail.outbox[-1].body
    assert b"known@example.test" not in client.get(f"/status/{status_setup['org'].slug}/").content
