from io import StringIO

import pytest
from django.core.management import call_command

from comms.statuspage.models import Maintenance, StatusComponent, StatusPage

pytestmark = pytest.mark.django_db


def test_seed_demo_publishes_the_demo_status_page_idempotently(client, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", stdout=StringIO())
    page = StatusPage.objects.get(organization__slug="demo")
    assert page.enabled
    assert StatusComponent.objects.filter(organization=page.organization).count() == 6
    assert Maintenance.objects.filter(organization=page.organization, status="scheduled").count() == 1
    summary = client.get("/status/demo/api/v2/summary.json").json()
    assert summary["scheduled_maintenances"][0]["name"] == "Database upgrade to PostgreSQL 16"
    # The open incident, named by its newest public update (the comms demo posts updates on it too).
    assert len(summary["incidents"]) == 1
    assert summary["incidents"][0]["name"].startswith("Contact enrichment")
    history = client.get("/status/demo/api/v2/incidents.json").json()["incidents"]
    assert "Errors when applying and saving contacts" in [i["name"] for i in history]
    body = client.get("/status/demo/").content.decode()
    assert "Tabletop drill" not in body
