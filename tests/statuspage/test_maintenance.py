"""The maintenance lifecycle: scheduled → in progress → completed on time (beat) or by hand, announced to
subscribers at each of the three, with the ingestion maintenance windows that suppress alerts."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from comms.statuspage.models import Maintenance
from comms.statuspage.services import maintenance, subscribers
from incidents.ingestion import services as ingestion_services
from incidents.ingestion.events import NormalizedEvent
from incidents.ingestion.models import MaintenanceWindow
from tenancy.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(status_setup, member_of, django_capture_on_commit_callbacks):
    org = status_setup["org"]
    subscribers.subscribers_import(organization=org, emails=["ops@example.test"], reason="Customer ops list",
                                   components=[status_setup["db_component"].public_id])
    subscribers.subscribers_import(organization=org, emails=["api-only@example.test"], reason="API customers",
                                   components=[status_setup["api_component"].public_id])
    _membership, client = member_of(Role.ADMIN)
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/orgs/{org.slug}/maintenances/", {
            "title": "Database upgrade", "body": "Read-only for 10 minutes.", "suppress_alerts": True,
            "components": [status_setup["db_component"].pk], "scheduled_for": start.isoformat(),
            "scheduled_until": (start + timedelta(hours=2)).isoformat()}, format="json")
    assert response.status_code == 201, response.content
    return {**status_setup, "client": client, "start": start, "maintenance": Maintenance.objects.get(),
            "capture": django_capture_on_commit_callbacks}


def test_scheduling_announces_and_opens_the_alert_windows(planned):
    assert [m.to for m in mail.outbox] == [["ops@example.test"]]
    assert "Database upgrade: Scheduled" in mail.outbox[0].subject
    assert "Read-only for 10 minutes." in mail.outbox[0].body
    [window] = MaintenanceWindow.objects.filter(organization=planned["org"])
    assert window.service == planned["database"]
    assert (window.starts_at, window.ends_at) == (planned["start"], planned["start"] + timedelta(hours=2))


def test_beat_starts_and_completes_on_time_and_mails_each(planned):
    capture, start = planned["capture"], planned["start"]
    with time_machine.travel(start + timedelta(minutes=1)), capture(execute=True):
        assert maintenance.maintenances_tick() == 1
        assert maintenance.maintenances_tick() == 0  # nothing twice
    planned["maintenance"].refresh_from_db()
    assert planned["maintenance"].status == "in_progress"
    assert "In progress" in mail.outbox[-1].subject
    # An alert of the database service during the window opens no incident.
    integration, _key = ingestion_services.integration_create(organization=planned["org"], name="Prom",
                                                              kind="webhook", service=planned["database"])
    window = MaintenanceWindow.objects.get(organization=planned["org"])
    with time_machine.travel(start + timedelta(minutes=5)):
        outcome = ingestion_services.alert_ingest(
            integration=integration, event=NormalizedEvent(action="trigger", dedup_key="db-cpu", summary="CPU high"),
            window_id=window.pk)
    assert outcome.result == "suppressed"
    with time_machine.travel(start + timedelta(hours=2, minutes=1)), capture(execute=True):
        assert maintenance.maintenances_tick() == 1
    planned["maintenance"].refresh_from_db()
    assert planned["maintenance"].status == "completed"
    assert [m.subject.rsplit(": ", 1)[1] for m in mail.outbox] == ["Scheduled", "In progress", "Completed"]
    assert {tuple(m.to) for m in mail.outbox} == {("ops@example.test",)}
    statuses = list(planned["maintenance"].updates.order_by("created_at").values_list("status", flat=True))
    assert statuses == ["scheduled", "in_progress", "completed"]


def test_completing_early_ends_the_windows_and_refuses_going_back(planned):
    client, org, capture = planned["client"], planned["org"], planned["capture"]
    url = f"/api/v1/orgs/{org.slug}/maintenances/{planned['maintenance'].pk}/transition/"
    with time_machine.travel(planned["start"] + timedelta(minutes=30), tick=False), capture(execute=True):
        assert client.post(url, {"status": "in_progress"}, format="json").status_code == 200
        assert client.post(url, {"status": "verifying", "body": "Checking."}, format="json").status_code == 200
        response = client.post(url, {"status": "completed", "body": "All done early."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    window = MaintenanceWindow.objects.get(organization=org)
    assert window.ends_at == planned["start"] + timedelta(minutes=30)
    assert "All done early." in mail.outbox[-1].body
    assert len(mail.outbox) == 3  # verifying is shown on the page but not mailed
    refused = client.post(url, {"status": "in_progress"}, format="json")
    assert refused.status_code == 409
    assert "status" in refused.json()["errors"]
    assert client.patch(f"/api/v1/orgs/{org.slug}/maintenances/{planned['maintenance'].pk}/",
                        {"title": "x"}, format="json").status_code == 409


def test_rescheduling_moves_the_windows_and_cancelling_removes_them(planned):
    client, org = planned["client"], planned["org"]
    url = f"/api/v1/orgs/{org.slug}/maintenances/{planned['maintenance'].pk}/"
    later = planned["start"] + timedelta(days=1)
    response = client.patch(url, {"scheduled_for": later.isoformat(),
                                  "scheduled_until": (later + timedelta(hours=1)).isoformat()}, format="json")
    assert response.status_code == 200
    assert MaintenanceWindow.objects.get(organization=org).starts_at == later
    bad = client.patch(url, {"scheduled_until": (later - timedelta(hours=1)).isoformat()}, format="json")
    assert bad.status_code == 400
    assert "scheduled_until" in bad.json()["errors"]
    assert client.delete(url).status_code == 204
    assert not MaintenanceWindow.objects.filter(organization=org).exists()
