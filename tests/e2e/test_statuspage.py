"""Status page subscriber mail through a real worker: the outbox dispatch on the default queue, the
emails on the ``bulk`` queue (a worker that does not consume ``bulk`` never sends them)."""

import sys
import time

import pytest

from comms.enums import NotificationState, Purpose
from comms.models import Notification
from comms.statuspage.services import subscribers
from tests.e2e.conftest import CeleryProcess
from tests.statuspage import factories

pytestmark = pytest.mark.e2e


def worker(celery_env, tmp_path, name: str, queues: str) -> CeleryProcess:
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--pool", "solo",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"{name}@%h", "-Q", queues]
    return CeleryProcess(name, args, celery_env, tmp_path / f"{name}.log").start(ready_text=" ready.")


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_subscriber_mail_goes_through_the_bulk_queue(celery_env, tmp_path, make_org):
    org = make_org()
    api = factories.service(org, "API")
    factories.enabled_page(org)
    factories.component(org, "Website", [api])
    subscribers.subscribers_import(organization=org, emails=[f"s{n}@example.test" for n in range(5)],
                                   reason="e2e")
    default_only = worker(celery_env, tmp_path, "paging", "celery")
    try:
        incident = factories.incident(org, api, severity="P1")
        update = factories.public_update(incident, title="Slow website")
        rows = Notification.objects.filter(organization=org, purpose=Purpose.SUBSCRIBER,
                                           idempotency_key__startswith=f"sp:u:{update.public_id}:")
        assert wait_for(lambda: rows.count() == 5), default_only.logs()  # the outbox ran on the default queue
        time.sleep(2)
        assert set(rows.values_list("state", flat=True)) == {NotificationState.PENDING}  # nobody consumes bulk
        bulk = worker(celery_env, tmp_path, "bulk", "bulk")
        try:
            assert wait_for(lambda: set(rows.values_list("state", flat=True)) == {NotificationState.SENT}), \
                bulk.logs()
            assert "Task statuspage.send_batch[" in bulk.logs()
            assert "Task statuspage.send_batch[" not in default_only.logs()
        finally:
            bulk.stop()
    finally:
        default_only.stop()
