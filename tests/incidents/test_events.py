"""The outbox: handlers get each committed event, at least once, even when a dispatch is lost."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from incidents import events, services
from incidents.enums import TimelineKind
from incidents.models import TimelineEventDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorder(monkeypatch):
    """Register (alone: other apps' handlers are set aside) a handler of notes that records the ids it saw."""
    monkeypatch.setattr(events, "_handlers", {})
    seen = []

    def handle(event):
        seen.append(event.pk)

    events.register("tests.recorder", handle, kinds={TimelineKind.NOTE})
    yield seen
    events.unregister("tests.recorder")


@pytest.fixture
def lost_dispatch():
    """Messages to the dispatcher vanish (a broker restart) until the returned function is called."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(events.dispatch, "delay", lambda *args, **kwargs: None)
        yield patch.undo


def test_handlers_run_after_commit_only(incident, recorder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = services.incident_note_add(incident=incident, text="hypothesis: bad deploy")
    assert recorder == []
    for callback in callbacks:
        callback()
    assert recorder == [event.pk]
    delivery = TimelineEventDelivery.objects.get(event=event, handler="tests.recorder")
    assert delivery.done_at is not None


def test_kinds_filter_what_a_handler_gets(incident, recorder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_acknowledge(incident=incident)
    assert recorder == []


def test_dispatch_is_idempotent_per_handler(incident, recorder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = services.incident_note_add(incident=incident, text="x")
    events.dispatch(event.pk)
    events.dispatch.delay(event.pk)
    assert recorder == [event.pk]


def test_dispatch_redrive_after_a_lost_dispatch(incident, recorder, lost_dispatch,
                                                django_capture_on_commit_callbacks):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            event = services.incident_note_add(incident=incident, text="lost in the broker")
        assert recorder == []
        lost_dispatch()  # the broker is back

        traveller.shift(timedelta(seconds=30))
        assert events.sweep() == 0, "younger than a minute: its own dispatch may still come"
        assert recorder == []

        traveller.shift(timedelta(seconds=45))
        assert events.sweep.delay().get() == 1
        assert recorder == [event.pk]

        traveller.shift(timedelta(seconds=30))
        assert events.sweep() == 0
        assert recorder == [event.pk], "a done event is not re-driven"


def test_failed_handler_is_retried_by_the_sweeper_without_repeating_the_others(
        incident, recorder, django_capture_on_commit_callbacks):
    attempts = []

    def flaky(event):
        attempts.append(event.pk)
        if len(attempts) == 1:
            raise RuntimeError("provider timeout")

    events.register("tests.flaky", flaky, kinds=[TimelineKind.NOTE])
    try:
        start = timezone.now()
        with time_machine.travel(start, tick=False) as traveller:
            with django_capture_on_commit_callbacks(execute=True):
                event = services.incident_note_add(incident=incident, text="x")
            assert len(attempts) == 1
            assert recorder == [event.pk]
            failed = TimelineEventDelivery.objects.get(event=event, handler="tests.flaky")
            assert failed.done_at is None
            assert "provider timeout" in failed.last_error

            traveller.shift(timedelta(minutes=2))
            events.sweep()
            assert attempts == [event.pk, event.pk]
            assert recorder == [event.pk]
            assert TimelineEventDelivery.objects.get(event=event, handler="tests.flaky").done_at is not None
    finally:
        events.unregister("tests.flaky")


def test_old_events_are_left_alone(incident, recorder, lost_dispatch, django_capture_on_commit_callbacks):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            services.incident_note_add(incident=incident, text="x")
        lost_dispatch()
        traveller.shift(timedelta(days=2))
        assert events.sweep() == 0
    assert recorder == []


def test_handler_names_are_checked():
    with pytest.raises(ValueError, match="handler name"):
        events.register("", lambda event: None)
