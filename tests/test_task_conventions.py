"""Every Celery task of the project follows the conventions of ``tenancy.tasking.task``, every beat entry names
a registered task, and sends run on the outbound queue while paging stays on its own."""

from django.conf import settings

from config.celery import app

PROJECT_PREFIXES = ("tenancy.", "oncall.", "incidents.", "ingestion.", "comms.", "statuspage.", "chatops.",
                    "postmortems.")


def project_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(PROJECT_PREFIXES)}


def test_every_project_task_acks_late_rejects_on_worker_lost_and_retries_with_backoff():
    tasks = project_tasks()
    assert "comms.deliver_notification" in tasks
    assert "oncall.tasks.handoff_notices" in tasks
    for name, task in tasks.items():
        assert task.acks_late, name
        assert task.reject_on_worker_lost, name
        assert task.ignore_result, name
        assert task.max_retries == 5, name
        assert getattr(task, "autoretry_for", ()), name
        assert task.retry_backoff, name


def test_every_beat_entry_names_a_registered_task_and_comms_ticks_are_separate():
    tasks = project_tasks()
    schedule = app.conf.beat_schedule
    for entry in schedule.values():
        assert entry["task"] in tasks, entry
    comms_entries = {entry["task"] for key, entry in schedule.items() if key.startswith("comms-")}
    assert comms_entries == {"comms.paging_advance", "comms.paging_start_missed", "comms.notifications_tick",
                             "comms.webhooks_tick", "comms.cadence_tick", "comms.campaigns_tick"}


def test_sends_are_routed_to_the_outbound_queue_and_paging_is_not():
    router = app.amqp.router
    for name in ("comms.deliver_notification", "comms.deliver_webhook"):
        assert router.route({}, name)["queue"].name == settings.OUTBOUND_QUEUE
    for name in ("comms.paging_advance", "comms.advance_run", "incidents.events.dispatch", "incidents.events.sweep"):
        assert router.route({}, name)["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE
