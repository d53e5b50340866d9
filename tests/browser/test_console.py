"""The leadership console in a real browser: the dashboard, working an incident, viewers, other orgs."""

import json

import pytest
from playwright.sync_api import expect

from incidents.enums import IncidentStatus
from incidents.models import Incident
from tenancy.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from tenancy.enums import Role
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _triggered(demo) -> Incident:
    return Incident.objects.filter(organization=demo, status=IncidentStatus.TRIGGERED).order_by("number").first()


def test_dashboard_shows_the_org_with_charts(page, live_server, demo, screenshot_dir):
    log_in(page, live_server.url, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/admin/?org={demo.slug}")
    dashboard = page.locator("#console-dashboard")
    expect(dashboard.get_by_role("heading", name="Demo Co")).to_be_visible()
    open_count = Incident.objects.filter(organization=demo, is_drill=False,
                                         status__in=IncidentStatus.OPEN_STATUSES).count()
    assert page.locator("[data-kpi=open-incidents]").inner_text().strip() == str(open_count)
    assert page.locator("#open-incidents tbody tr").count() == open_count
    assert page.locator("#oncall-now li").count() >= 1
    # Every chart canvas was drawn by Chart.js with at least one non-empty dataset.
    canvases = page.locator("canvas.chart")
    assert canvases.count() >= 3
    for index in range(canvases.count()):
        data = json.loads(canvases.nth(index).get_attribute("data-value"))
        assert data["datasets"]
        assert any(any(value for value in dataset["data"]) for dataset in data["datasets"])
        drawn = page.evaluate("(canvas) => !!Chart.getChart(canvas)", canvases.nth(index).element_handle())
        assert drawn
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)


def test_a_commander_works_an_incident_from_the_admin(page, live_server, demo, screenshot_dir):
    incident = _triggered(demo)
    log_in(page, live_server.url, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    work = page.locator("#incident-work")
    expect(work.get_by_role("heading", name=f"#{incident.number} {incident.title}")).to_be_visible()

    page.locator("[data-transition=acknowledged]").click()
    expect(page.locator("#incident-status")).to_have_text("Acknowledged")
    # Only legal moves are offered: from acknowledged, investigating or resolved.
    offered = {page.locator("[data-transition]").nth(i).get_attribute("data-transition")
               for i in range(page.locator("[data-transition]").count())}
    assert offered == {"investigating", "resolved"}

    page.locator("[data-transition=investigating]").click()
    expect(page.locator("#incident-status")).to_have_text("Investigating")

    page.get_by_role("button", name="Tick Assess severity (how many users affected?)").click()
    expect(page.get_by_role("button", name="Untick Assess severity (how many users affected?)")).to_be_visible()

    # Post the internal update drafted from the plan's template.
    draft = page.locator("#su-body-internal").input_value()
    assert incident.title in draft
    page.locator("[data-post-update=internal]").click()
    expect(page.locator("#status-updates li[data-audience=internal]")).to_have_count(1)

    timeline = page.locator("#timeline")
    kinds = [timeline.locator("li").nth(i).get_attribute("data-kind") for i in range(timeline.locator("li").count())]
    assert {"acknowledged", "status_changed", "checklist_updated", "status_update_posted"} <= set(kinds)
    # The notifications sent for it, from the delivery ledger.
    assert page.locator("#notifications tbody tr").count() == incident.notifications.count() > 0
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.acknowledged_at is not None
    assert incident.checklist_items.get(key="assess_severity").done
    assert incident.status_updates.get().body.strip() == draft.strip()
    page.screenshot(path=str(screenshot_dir / "incident.png"), full_page=True)


def test_a_viewer_sees_no_write_buttons(page, live_server, demo, make_member):
    viewer = make_member(demo, Role.VIEWER, is_staff=True, email="viewer@demo.foghorn.test")
    viewer.user.set_password("viewer-password-1")
    viewer.user.save()
    incident = _triggered(demo)
    log_in(page, live_server.url, viewer.user.email, "viewer-password-1")
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    expect(page.locator("#incident-work")).to_be_visible()
    assert page.locator("[data-transition]").count() == 0
    assert page.locator("#incident-work form").count() == 0
    assert page.get_by_role("button", name="Save").count() == 0
    page.goto(f"{live_server.url}/admin/incidents/service/")
    assert page.get_by_role("link", name="Add service").count() == 0


def test_staff_of_another_org_is_refused(page, live_server, demo, make_org, make_member):
    other = make_member(make_org(name="Other Co"), Role.OWNER, is_staff=True, email="lead@other.test")
    other.user.set_password("other-password-1")
    other.user.save()
    incident = _triggered(demo)
    log_in(page, live_server.url, other.user.email, "other-password-1")
    response = page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    assert incident.title not in page.content()
    assert response.url.rstrip("/").endswith("/admin") or response.status in (403, 404)
    page.goto(f"{live_server.url}/admin/?org={demo.slug}")
    assert "Demo Co" not in page.locator("#console-dashboard").inner_text()
