import pytest
from django.urls import reverse

from comms.enums import RunState
from comms.models import EscalationRun, Notification
from incidents import services as incident_services
from tenancy.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, paging_setup, make_member):
    admin = make_member(paging_setup["org"], Role.ADMIN, is_staff=True).user
    client.force_login(admin)
    return client


def test_notifications_filter_by_state_and_channel(staff_client, paging_setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_create(organization=paging_setup["org"], title="API down", severity="P1",
                                          service=paging_setup["service"])
    url = reverse("admin:comms_notification_changelist")
    assert staff_client.get(url).status_code == 200
    filtered = staff_client.get(url, {"state__exact": "sent", "channel__exact": "chat"})
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == Notification.objects.filter(state="sent", channel="chat").count()


def test_run_page_shows_steps_and_acknowledges(staff_client, paging_setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.incident_create(organization=paging_setup["org"], title="API down",
                                                     severity="P1", service=paging_setup["service"])
    run = EscalationRun.objects.get(incident=incident)
    page = staff_client.get(reverse("admin:comms_escalationrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert b"Then wait" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:comms_escalationrun_changelist"),
                          {"action": "acknowledge", "_selected_action": [run.pk]})
    run.refresh_from_db()
    assert run.state == RunState.ACKNOWLEDGED


def test_other_orgs_runs_are_invisible(client, paging_setup, make_org, make_member,
                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_create(organization=paging_setup["org"], title="API down", severity="P1",
                                          service=paging_setup["service"])
    outsider = make_member(make_org(), Role.ADMIN, is_staff=True).user
    client.force_login(outsider)
    response = client.get(reverse("admin:comms_escalationrun_changelist"))
    assert response.context["cl"].result_count == 0
