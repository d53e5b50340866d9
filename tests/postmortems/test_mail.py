"""Reminders (the database is the schedule, one per due time), the meeting invitation with its .ics,
the monthly review mail — sent through Anymail's test backend."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.core import mail

from incidents import services as incident_services
from postmortems import services
from postmortems.enums import MailKind, MailState
from postmortems.models import Mail
from tenancy.enums import Role
from tests.comms.receiver import HttpReceiver

pytestmark = pytest.mark.django_db
RESOLVED_AT = datetime(2026, 10, 13, 15, 0, tzinfo=UTC)


@pytest.fixture
def postmortem(p1_incident):
    with time_machine.travel(RESOLVED_AT, tick=False):
        incident = incident_services.incident_resolve(incident=p1_incident, override_reason="ok")
        return services.postmortem_open(incident=incident)


def tick_at(moment: datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        return services.mails_tick()


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


def test_owner_is_reminded_24h_before_due_and_when_overdue_once_each(postmortem, alice):
    due = RESOLVED_AT + timedelta(hours=48)
    assert tick_at(due - timedelta(hours=25))["sent"] == 0
    for minutes in (0, 1, 30):  # ticks every minute: one reminder
        tick_at(due - timedelta(hours=24) + timedelta(minutes=minutes))
    assert subjects() == ["Post-mortem of #1 is due in less than 24 hours"]
    for hours in (0, 1, 24):
        tick_at(due + timedelta(hours=hours))
    assert subjects()[1:] == ["Post-mortem of #1 is overdue"]
    assert [message.to for message in mail.outbox] == [[alice.email], [alice.email]]


def test_a_new_due_time_is_reminded_again_and_publishing_stops_reminders(postmortem, alice):
    due = RESOLVED_AT + timedelta(hours=48)
    tick_at(due + timedelta(minutes=1))
    with time_machine.travel(due + timedelta(minutes=2), tick=False):
        postmortem = services.postmortem_update(postmortem=postmortem, due_at=due + timedelta(days=2))
    tick_at(due + timedelta(days=2, minutes=1))
    assert subjects() == ["Post-mortem of #1 is overdue", "Post-mortem of #1 is overdue"]
    services.postmortem_update(postmortem=postmortem, status="published")
    tick_at(due + timedelta(days=5))
    assert len(mail.outbox) == 2


def test_action_items_are_reminded_at_most_once_a_day(org, postmortem, alice):
    services.action_item_create(organization=org, postmortem=postmortem, title="Fix leaks", owner=alice,
                                due_date=date(2026, 10, 20))
    tick_at(datetime(2026, 10, 18, 9, tzinfo=UTC))
    assert not [s for s in subjects() if s.startswith("Action item")]
    for hour in (9, 12, 23):
        tick_at(datetime(2026, 10, 19, hour, tzinfo=UTC))
    tick_at(datetime(2026, 10, 21, 9, tzinfo=UTC))
    tick_at(datetime(2026, 10, 21, 18, tzinfo=UTC))
    tick_at(datetime(2026, 10, 22, 9, tzinfo=UTC))
    items = [s for s in subjects() if s.startswith("Action item")]
    assert items == ["Action item is due 2026-10-20: Fix leaks",
                     "Action item is overdue (due 2026-10-20): Fix leaks",
                     "Action item is overdue (due 2026-10-20): Fix leaks"]


def test_a_failed_send_is_retried_from_the_ledger_and_sent_once(postmortem, settings):
    """Anymail's real Postmark backend against a local stand-in that fails once, then accepts."""
    receiver = HttpReceiver().start()
    try:
        answers = iter([500, 200])
        receiver.respond("/postmark/", status=lambda: next(answers),
                         body=b'{"To": "x@acme.test", "MessageID": "pm-1", "ErrorCode": 0, "Message": "OK"}')
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "POSTMARK_API_URL": receiver.url("/postmark/")}
        now = datetime(2026, 10, 15, 9, tzinfo=UTC)
        with time_machine.travel(now, tick=False):
            services.mail_queue(organization_id=postmortem.organization_id, key="k1", kind=MailKind.INVITATION,
                                to="x@acme.test", subject="s", body="b")
            assert services.mails_send_due() == 0
            assert services.mails_send_due() == 0  # backing off: not due yet
        row = Mail.objects.get(key="k1")
        assert (row.state, row.attempts) == (MailState.PENDING, 1)
        with time_machine.travel(now + timedelta(minutes=5), tick=False):
            assert services.mails_send_due() == 1, Mail.objects.get(key="k1").last_error
            assert services.mails_send_due() == 0
        row.refresh_from_db()
        assert (row.state, row.message_id) == (MailState.SENT, "pm-1")
        assert len(receiver.at("/postmark/")) == 2
    finally:
        receiver.stop()


def test_meeting_invitation_has_an_ics_for_every_attendee(org, postmortem, alice, make_member):
    bob = make_member(org, Role.RESPONDER, name="Bob", email="bob@acme.test").user
    now = datetime(2026, 10, 14, 9, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        services.postmortem_update(postmortem=postmortem, attendees=[alice, bob])
        services.postmortem_schedule(postmortem=postmortem, meeting_at=datetime(2026, 10, 15, 10, tzinfo=UTC),
                                     minutes=45, location="Zoom")
        services.mails_send_due()
        services.postmortem_schedule(postmortem=postmortem, meeting_at=datetime(2026, 10, 15, 10, tzinfo=UTC))
        services.mails_send_due()
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@acme.test", "bob@acme.test"]
    message = mail.outbox[0]
    assert message.subject.startswith("Post-mortem: scheduled for tomorrow 10 AM")
    filename, content, mimetype = message.attachments[0]
    assert filename == "invite.ics"
    assert mimetype.startswith("text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 10, 15, 10, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 10, 15, 10, 45, tzinfo=UTC)
    assert {str(a) for a in event.get("attendee")} == {"mailto:alice@acme.test", "mailto:bob@acme.test"}


def test_meeting_in_the_past_is_refused(member_of, org, postmortem):
    _member, client = member_of(Role.RESPONDER)
    response = client.post(f"/api/v1/orgs/{org.slug}/postmortems/{postmortem.pk}/schedule/",
                           {"meeting_at": "2020-01-01T10:00:00Z"})
    assert response.status_code == 400
    assert "meeting_at" in response.json()["errors"]


def test_monthly_review_mail_goes_to_admins_once(org, admin_member, owner, alice):
    first = datetime(2026, 11, 1, 7, tzinfo=UTC)
    with time_machine.travel(first, tick=False):
        assert services.monthly_reviews_queue() == 2
        assert services.monthly_reviews_queue() == 0
        services.mails_send_due()
    assert sorted(message.to[0] for message in mail.outbox) == sorted([admin_member.user.email, owner.user.email])
    assert mail.outbox[0].subject == f"Monthly incident review 2026-10: {org.name}"
    assert "## Incident count by severity" in mail.outbox[0].body
