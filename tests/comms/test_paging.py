from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from comms.enums import NotificationState, RunState
from comms.models import EscalationRun, Notification
from comms.services import delivery, paging
from incidents import services as incident_services
from incidents.enums import TimelineKind

pytestmark = pytest.mark.django_db


def trigger(setup, severity="P1", capture=None):
    with capture(execute=True):
        return incident_services.incident_create(organization=setup["org"], title="API down", severity=severity,
                                                 service=setup["service"])


def tick(capture, at):
    """Run the beat ticker as if it were ``at`` (the clock is moved there)."""
    with time_machine.travel(at, tick=False), capture(execute=True):
        advanced = paging.paging_tick()
        delivery.notifications_tick()
    return advanced


def kinds(incident):
    return list(incident.timeline.values_list("kind", flat=True))


def test_trigger_pages_step_one_and_announces(paging_setup, django_capture_on_commit_callbacks):
    incident = trigger(paging_setup, capture=django_capture_on_commit_callbacks)
    receiver = paging_setup["receiver"]
    assert len(receiver.at("/alice")) == 1
    assert len(receiver.at("/incidents")) == 1
    assert receiver.at("/bob") == []
    run = EscalationRun.objects.get(incident=incident)
    assert (run.state, run.current_step, run.loop) == (RunState.ACTIVE, 0, 0)
    assert run.next_step_due_at > timezone.now() + timedelta(minutes=4)
    sent = Notification.objects.filter(incident=incident, state=NotificationState.SENT)
    assert {n.idempotency_key for n in sent} == {f"{run.pk}:0:0:u{paging_setup['alice'].pk}:chat",
                                                  f"{run.pk}:announce:P1:d{sent.get(purpose='announcement').chat_destination_id}:chat"}
    assert TimelineKind.PAGED in kinds(incident)
    assert TimelineKind.NOTIFICATION_SENT in kinds(incident)
    body = receiver.at("/alice")[0].json()
    assert "API down" in body["text"]
    assert "/ack/" in str(body["blocks"])


def test_no_ack_escalates_to_step_two_when_due_then_ack_stops(paging_setup, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    receiver = paging_setup["receiver"]
    run = EscalationRun.objects.get(incident=incident)
    assert tick(capture, run.next_step_due_at - timedelta(seconds=1)) == 0
    assert receiver.at("/bob") == []
    assert tick(capture, run.next_step_due_at + timedelta(seconds=1)) == 1
    assert len(receiver.at("/bob")) == 1
    assert TimelineKind.ESCALATED in kinds(incident)
    # A stale nudge for step 1 changes nothing.
    assert paging.escalation_advance(run_id=run.pk, expected_step=0, expected_loop=0) is False
    with capture(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=paging_setup["alice"])
    run.refresh_from_db()
    assert run.state == RunState.ACKNOWLEDGED
    assert run.next_step_due_at is None
    tick(capture, timezone.now() + timedelta(hours=2))
    assert len(receiver.at("/bob")) == 1
    assert len(receiver.at("/alice")) == 1


def test_ack_cancels_pending_personal_chain_steps(paging_setup, django_capture_on_commit_callbacks):
    from tests.comms import factories

    factories.chain(paging_setup["org"], paging_setup["alice"], ("chat", 0), ("email", 3))
    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    pending = Notification.objects.get(incident=incident, channel="email", recipient=paging_setup["alice"])
    assert pending.state == NotificationState.PENDING
    with capture(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=paging_setup["alice"])
    pending.refresh_from_db()
    assert pending.state == NotificationState.CANCELLED
    assert delivery.notification_deliver(notification_id=pending.pk, now=timezone.now() + timedelta(hours=1)) == "noop"


def test_resolve_cancels_the_run(paging_setup, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    with capture(execute=True):
        incident_services.incident_resolve(incident=incident, override_reason="false alarm")
    assert EscalationRun.objects.get(incident=incident).state == RunState.CANCELLED


def test_repeat_loops_then_exhausts(paging_setup, django_capture_on_commit_callbacks):
    from oncall import services as oncall_services

    oncall_services.escalation_policy_update(policy=paging_setup["policy"], repeat_count=1)
    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    run = EscalationRun.objects.get(incident=incident)
    for _ in range(3):
        run.refresh_from_db()
        tick(capture, run.next_step_due_at + timedelta(seconds=1))
    run.refresh_from_db()
    assert (run.current_step, run.loop) == (1, 1)
    receiver = paging_setup["receiver"]
    assert len(receiver.at("/alice")) == 2
    assert len(receiver.at("/bob")) == 2
    tick(capture, run.next_step_due_at + timedelta(seconds=1))
    run.refresh_from_db()
    assert run.state == RunState.EXHAUSTED
    assert TimelineKind.ESCALATION_EXHAUSTED in kinds(incident)


def test_duplicate_deliver_sends_once(paging_setup, django_capture_on_commit_callbacks):
    from tests.comms import factories

    factories.chain(paging_setup["org"], paging_setup["alice"], ("chat", 0), ("webhook", 3))
    incident = trigger(paging_setup, capture=django_capture_on_commit_callbacks)
    notification = Notification.objects.get(incident=incident, recipient=paging_setup["alice"], channel="chat")
    assert delivery.notification_deliver(notification_id=notification.pk) == "noop"
    assert len(paging_setup["receiver"].at("/alice")) == 1


def test_alerts_cleared_then_a_new_alert_pages_again_with_a_new_run(paging_setup, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    with capture(execute=True):
        incident_services.incident_transition(incident=incident, status="monitoring", system=True)
    first = EscalationRun.objects.get(incident=incident)
    assert first.state == RunState.CANCELLED
    with capture(execute=True):
        incident_services.incident_transition(incident=incident, status="triggered", system=True)
    runs = list(EscalationRun.objects.filter(incident=incident))
    assert len(runs) == 2
    assert runs[0].state == RunState.ACTIVE
    assert len(paging_setup["receiver"].at("/alice")) == 2
    # The missed-start sweeper finds nothing to do: the incident has a live run.
    assert paging.paging_start_missed(now=timezone.now() + timedelta(minutes=1)) == 0


def test_missed_trigger_is_started_by_the_ticker_once(paging_setup, django_capture_on_commit_callbacks):
    incident = incident_services.incident_create(organization=paging_setup["org"], title="Lost dispatch",
                                                 severity="P1", service=paging_setup["service"])
    assert not EscalationRun.objects.filter(incident=incident).exists()
    later = timezone.now() + timedelta(seconds=30)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert paging.paging_start_missed() == 1
        assert paging.paging_start_missed() == 0
    assert EscalationRun.objects.filter(incident=incident).count() == 1


def test_default_chain_without_a_phone_emails_at_once(paging_setup, make_member, django_capture_on_commit_callbacks):
    from django.core import mail

    from oncall import services as oncall_services
    from tenancy.enums import Role

    carol = make_member(paging_setup["org"], Role.RESPONDER, name="Carol").user  # defaults: email only
    oncall_services.escalation_policy_update(policy=paging_setup["policy"], steps=[{"users": [carol]}])
    incident = trigger(paging_setup, capture=django_capture_on_commit_callbacks)
    email = Notification.objects.get(incident=incident, recipient=carol)
    assert email.channel == "email"
    assert email.state == NotificationState.SENT
    assert mail.outbox[-1].to == [carol.email]


def test_repeat_from_a_chosen_step(paging_setup, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    run = EscalationRun.objects.get(incident=incident)
    run.policy_snapshot = {**run.policy_snapshot, "repeat_count": 1, "repeat_from_position": 2}
    run.save()
    for _ in range(2):
        run.refresh_from_db()
        tick(capture, run.next_step_due_at + timedelta(seconds=1))
    run.refresh_from_db()
    assert (run.current_step, run.loop) == (1, 1)
    assert len(paging_setup["receiver"].at("/alice")) == 1
    assert len(paging_setup["receiver"].at("/bob")) == 2


def test_a_new_alert_on_an_acknowledged_incident_re_alerts_its_owner_once(
        paging_setup, django_capture_on_commit_callbacks):
    from comms.enums import Purpose
    from incidents.enums import IncidentStatus as S
    from incidents.events import dispatch

    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    receiver = paging_setup["receiver"]
    alice = paging_setup["alice"]
    with capture(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=alice)
        incident_services.incident_transition(incident=incident, status=S.MONITORING, system=True,
                                              note="alerts cleared")
    pages_before = len(receiver.at("/alice"))
    with capture(execute=True):
        incident_services.incident_transition(incident=incident, status=S.FIXING, system=True,
                                              note="New alert: 5xx > 5%")
    realerts = Notification.objects.filter(incident=incident, purpose=Purpose.REALERT)
    assert [(n.recipient_id, n.state) for n in realerts] == [(alice.pk, NotificationState.SENT)]
    assert len(receiver.at("/alice")) == pages_before + 1
    assert EscalationRun.objects.filter(incident=incident, state=RunState.ACTIVE).count() == 0

    reopened = incident.timeline.filter(kind=TimelineKind.STATUS_CHANGED, payload__to=S.FIXING).get()
    with capture(execute=True):
        dispatch(reopened.pk)  # a re-driven event sends nothing twice
    assert realerts.count() == 1
    assert len(receiver.at("/alice")) == pages_before + 1


def test_a_human_moving_monitoring_to_fixing_pages_nobody(paging_setup, django_capture_on_commit_callbacks):
    from comms.enums import Purpose
    from incidents.enums import IncidentStatus as S

    capture = django_capture_on_commit_callbacks
    incident = trigger(paging_setup, capture=capture)
    alice = paging_setup["alice"]
    with capture(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=alice)
        incident_services.incident_transition(incident=incident, status=S.INVESTIGATING, actor=alice)
        incident_services.incident_transition(incident=incident, status=S.MONITORING, actor=alice)
        incident_services.incident_transition(incident=incident, status=S.FIXING, actor=alice)
    assert not Notification.objects.filter(incident=incident, purpose=Purpose.REALERT).exists()
