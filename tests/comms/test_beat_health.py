"""/healthz says when beat's paging ticker has not run for a while (no escalation step runs without it)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from comms import tasks
from comms.models import TickerBeat

pytestmark = pytest.mark.django_db


@pytest.mark.django_db
def test_healthz_says_when_beat_has_not_ticked(client):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["beat"]["status"] == "no tick yet"
    assert "beat" in body["warnings"]
    tasks.paging_advance()
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["beat"]["status"] == "ok"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["beat"]["status"] == "stale"
    assert "No paging tick for" in body["beat"]["message"]
    assert TickerBeat.objects.count() == 1
