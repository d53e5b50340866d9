"""The admin's action-item and training trackers: filters, bulk status changes through the service,
CSV/XLSX export (django-import-export) of the user's own organization only."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from incidents import services as incident_services
from postmortems import services
from postmortems.models import ActionItem
from tenancy.enums import Role

pytestmark = pytest.mark.django_db
URL = "/admin/postmortems/actionitem/"


@pytest.fixture
def lead(org, make_member):
    return make_member(org, Role.ADMIN, is_staff=True, email="lead@acme.test").user


@pytest.fixture
def items(org, alice, p1_incident, make_org):
    today = timezone.localdate()
    mine = [services.action_item_create(organization=org, incident=p1_incident, title=f"Fix {n}", owner=alice,
                                        due_date=today - timedelta(days=n)) for n in (1, 2)]
    other = make_org(name="Elsewhere")
    elsewhere = incident_services.incident_create(organization=other, title="Their outage", severity="P3")
    services.action_item_create(organization=other, incident=elsewhere, title="Not yours")
    return mine


def test_bulk_done_goes_through_the_service(client, lead, items):
    client.force_login(lead)
    answer = client.post(URL, {"action": "mark_done", "_selected_action": [item.pk for item in items]})
    assert answer.status_code == 302
    for item in items:
        item.refresh_from_db()
        assert item.status == "done"
        assert item.done_at is not None  # the service sets it (and versions the webhook event)
        assert item.version > 1


def test_the_overdue_and_owner_filters(client, lead, items, alice):
    client.force_login(lead)
    page = client.get(URL, {"overdue": "yes", "owner__id__exact": alice.pk}).content.decode()
    assert "Fix 1" in page
    assert "Fix 2" in page
    assert "Not yours" not in page


def test_csv_export_holds_only_the_users_organization(client, lead, items):
    client.force_login(lead)
    answer = client.post(f"{URL}export/", {"format": "0", "resource": "0"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert sorted(row["title"] for row in rows) == ["Fix 1", "Fix 2"]
    assert {row["owner"] for row in rows} == {"alice@acme.test"}


def test_xlsx_export_is_a_real_workbook(client, lead, items):
    client.force_login(lead)
    answer = client.post(f"{URL}export/", {"format": "1", "resource": "0"})
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    header = [cell.value for cell in sheet[1]]
    assert "title" in header
    titles = sorted(row[header.index("title")] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert titles == ["Fix 1", "Fix 2"]


def test_a_viewer_has_no_bulk_changes(client, org, make_member, items):
    viewer = make_member(org, Role.VIEWER, is_staff=True).user
    client.force_login(viewer)
    page = client.get(URL).content.decode()
    assert "mark_done" not in page
    client.post(URL, {"action": "mark_done", "_selected_action": [items[0].pk]})
    assert ActionItem.objects.get(pk=items[0].pk).status == "open"


def test_training_expiring_within_30_days(client, lead, org, alice):
    now = timezone.now()
    services.training_record_create(organization=org, user=alice, course="Incident commander",
                                    completed_at=now - timedelta(days=350), expires_at=now + timedelta(days=10))
    services.training_record_create(organization=org, user=alice, course="Tabletop",
                                    completed_at=now - timedelta(days=30), expires_at=now + timedelta(days=300))
    client.force_login(lead)
    page = client.get("/admin/postmortems/trainingrecord/", {"expiry": "soon"})
    assert [record.course for record in page.context["cl"].result_list] == ["Incident commander"]
    export = client.post("/admin/postmortems/trainingrecord/export/?expiry=soon", {"format": "0", "resource": "0"})
    assert [row["course"] for row in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))] == [
        "Incident commander"]
