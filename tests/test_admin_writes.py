"""Every admin write and delete goes through its service, so the admin refuses what the API refuses
(with a message, never a 500) and leaves the service's marks on what it writes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.forms import MultiWidget
from django.test import Client

from incidents import services as incident_services
from incidents.models import RootCauseCategory, Service, Severity
from oncall import services as oncall_services
from oncall.models import EscalationPolicy, Layer, Override, ResponderGroup, Schedule
from tenancy.admin_base import ReadOnlyAdminMixin, ServiceAdminMixin
from tenancy.enums import Role
from tests.oncall.factories import weekly_layer

DOMAIN_APPS = {"oncall", "incidents", "ingestion", "comms", "postmortems", "statuspage", "chatops"}


def _domain_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in DOMAIN_APPS]


def test_every_domain_admin_writes_through_services_or_is_read_only():
    for model, model_admin in _domain_admins():
        label = model._meta.label
        if isinstance(model_admin, ReadOnlyAdminMixin):
            continue
        assert isinstance(model_admin, ServiceAdminMixin), f"{label}'s admin saves models directly"
        for hook in ("service_save", "service_delete"):
            assert getattr(type(model_admin), hook) is not getattr(ServiceAdminMixin, hook), (
                f"{label}'s admin does not implement {hook}")


# --- through the admin's pages ---------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(org, make_member):
    return make_member(org, Role.ADMIN, is_staff=True).user


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def people(org, make_member):
    return [make_member(org, Role.RESPONDER, name=name).user for name in ("Ann", "Ben")]


@pytest.fixture
def paged_schedule(org, people):
    schedule = oncall_services.schedule_create(organization=org, name="Primary", layers=[weekly_layer(people)])
    group = oncall_services.responder_group_create(organization=org, name="CTO", members=people[:1])
    oncall_services.escalation_policy_create(organization=org, name="Default", steps=[
        {"delay_minutes": 5, "schedules": [schedule]}, {"delay_minutes": 5, "groups": [group]}])
    return schedule


def _form_data(response) -> dict:
    """The POST body the admin's change page would send as it is rendered (inlines included)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, list | tuple):
                data[key] = [str(getattr(item, "pk", item)) for item in value]
            else:
                data[key] = "on" if value is True else str(value)
    return data


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _change_page(client, obj):
    meta = obj._meta
    url = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    return url, _form_data(response)


def test_deleting_a_schedule_a_policy_pages_is_refused(staff_client, paged_schedule):
    response = staff_client.post(f"/admin/oncall/schedule/{paged_schedule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert any("used by the escalation policy 'Default'" in text for text in _messages(response))
    assert Schedule.objects.filter(pk=paged_schedule.pk).exists()


def test_bulk_deleting_it_is_refused_too(staff_client, paged_schedule, org):
    spare = oncall_services.schedule_create(organization=org, name="Spare")
    response = staff_client.post("/admin/oncall/schedule/", {
        "action": "delete_selected", "_selected_action": [paged_schedule.pk, spare.pk], "post": "yes"})
    assert response.status_code == 302
    assert Schedule.objects.filter(pk=paged_schedule.pk).exists()
    assert not Schedule.objects.filter(pk=spare.pk).exists()
    assert any("escalation policy" in text for text in _messages(response))


def test_deleting_a_paged_responder_group_or_a_layer_of_a_paged_schedule_is_refused(staff_client, paged_schedule):
    group = ResponderGroup.objects.get(name="CTO")
    staff_client.post(f"/admin/oncall/respondergroup/{group.pk}/delete/", {"post": "yes"})
    assert ResponderGroup.objects.filter(pk=group.pk).exists()
    layer = paged_schedule.layers.get()
    response = staff_client.post(f"/admin/oncall/layer/{layer.pk}/delete/", {"post": "yes"})
    assert any("uses this schedule" in text for text in _messages(response))
    assert Layer.objects.filter(pk=layer.pk).exists()


def test_a_repeat_step_that_does_not_exist_is_refused_and_nothing_is_written(staff_client, paged_schedule):
    policy = EscalationPolicy.objects.get(name="Default")
    url, data = _change_page(staff_client, policy)
    data.update(repeat_from_position="5", name="Renamed")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert any("repeat step does not exist" in text for text in _messages(response))
    policy.refresh_from_db()
    assert (policy.name, policy.repeat_from_position) == ("Default", 1)


def test_a_policy_saved_in_the_admin_gets_its_steps_from_the_service(staff_client, paged_schedule):
    policy = EscalationPolicy.objects.get(name="Default")
    url, data = _change_page(staff_client, policy)
    data["steps-0-position"], data["steps-1-position"] = "20", "10"  # the service renumbers 1, 2…
    data["repeat_count"] = "2"
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    steps = list(policy.steps.order_by("position"))
    assert [step.position for step in steps] == [1, 2]
    assert list(steps[0].groups.values_list("name", flat=True)) == ["CTO"]
    policy.refresh_from_db()
    assert policy.repeat_count == 2


def test_an_override_added_in_the_admin_is_created_by_the_service(staff_client, staff, paged_schedule, people):
    url, data = _change_page(staff_client, paged_schedule)
    start = datetime(2026, 12, 2, 9, tzinfo=UTC)
    data.update({"overrides-TOTAL_FORMS": "1", "overrides-0-user": str(people[1].pk),
                 "overrides-0-start_0": "2026-12-02", "overrides-0-start_1": "09:00:00",
                 "overrides-0-end_0": "2026-12-02", "overrides-0-end_1": "17:00:00", "overrides-0-note": "swap"})
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    override = Override.objects.get(schedule=paged_schedule)
    assert override.created_by == staff  # only override_create sets it: the form has no such field
    assert override.organization_id == paged_schedule.organization_id
    assert override.start == start
    assert override.end - override.start == timedelta(hours=8)


def test_two_layers_with_one_priority_are_refused(staff_client, org, people):
    schedule = oncall_services.schedule_create(organization=org, name="Two", layers=[
        weekly_layer(people[:1]), weekly_layer(people[1:])])
    first, second = schedule.layers.order_by("priority")
    url, data = _change_page(staff_client, second)
    data["priority"] = str(first.priority)
    response = staff_client.post(url, data)
    assert any("same priority" in text for text in _messages(response))
    second.refresh_from_db()
    assert second.priority != first.priority


def test_a_schedule_added_in_the_admin_goes_through_schedule_create(staff_client, org):
    response = staff_client.post("/admin/oncall/schedule/add/", {
        "organization": org.pk, "name": "From the admin", "time_zone": "Europe/Berlin", "description": "",
        "overrides-TOTAL_FORMS": "0", "overrides-INITIAL_FORMS": "0", "layers-TOTAL_FORMS": "0",
        "layers-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = Schedule.objects.get(organization=org, name="From the admin")
    assert response["Location"].endswith("/admin/oncall/schedule/") or str(schedule.pk) in response["Location"]


def test_deleting_a_severity_incidents_use_is_refused(staff_client, org):
    severity = Severity.objects.get(organization=org, name="P1")
    incident_services.incident_create(organization=org, title="Down", severity=severity)
    response = staff_client.post(f"/admin/incidents/severity/{severity.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # Django lists the protected incidents; the service would refuse too
    assert "Cannot delete severity" in response.content.decode()
    assert Severity.objects.filter(pk=severity.pk).exists()


def test_a_service_cannot_point_at_another_orgs_policy_even_for_a_staff_member_of_both(
        staff_client, staff, org, make_org):
    other = make_org()
    other.memberships.create(user=staff, role=Role.ADMIN)
    foreign_policy = oncall_services.escalation_policy_create(organization=other, name="Theirs", steps=[])
    response = staff_client.post("/admin/incidents/service/add/", {
        "organization": org.pk, "name": "API", "description": "", "escalation_policy": foreign_policy.pk,
        "owner_team": "", "war_room_url_template": ""})
    assert response.status_code == 302
    assert any("not an object of this organization" in text for text in _messages(response))
    assert not Service.objects.filter(organization=org, name="API").exists()


def test_catalog_saves_in_the_admin_go_through_the_catalog_service(staff_client, org):
    response = staff_client.post("/admin/incidents/rootcausecategory/add/", {
        "organization": org.pk, "name": "Config change", "description": "Bad deploy config"})
    assert response.status_code == 302
    response = staff_client.post("/admin/incidents/rootcausecategory/add/", {
        "organization": org.pk, "name": "Config change", "description": "again"})
    assert response.status_code == 200  # the unique name is refused on the form, nothing written
    category = RootCauseCategory.objects.get(organization=org, name="Config change")
    url, data = _change_page(staff_client, category)
    data["description"] = "A config change"
    assert staff_client.post(url, data).status_code == 302
    category.refresh_from_db()
    assert category.description == "A config change"


def test_chatops_settings_the_service_refuses_are_a_message_and_nothing_is_written(staff_client, org):
    from comms.chatops.models import ChatOpsSettings
    from comms.chatops.services import install

    settings_row = install.chatops_settings_update(organization=org, announcement_channel="#incidents")
    url, data = _change_page(staff_client, settings_row)
    data.update(war_room_mode="static", war_room_url="", announcement_channel="#elsewhere")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert any("static war room needs its URL" in text for text in _messages(response))
    assert ChatOpsSettings.objects.get(organization=org).announcement_channel == "#incidents"
    data["war_room_url"] = "https://meet.example.com/incident"
    assert staff_client.post(url, data).status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.war_room_mode, settings_row.announcement_channel) == ("static", "#elsewhere")


def test_a_drill_added_in_the_admin_is_created_by_the_service_and_a_running_one_is_not_deleted(staff_client, org):
    from postmortems import services as postmortem_services
    from postmortems.models import Drill

    url = "/admin/postmortems/drill/add/"
    data = _form_data(staff_client.get(url))
    data.update({"organization": str(org.pk), "title": "Database failover", "scenario": "",
                 "scheduled_at_0": "2026-12-10", "scheduled_at_1": "10:00:00"})
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert any("A scenario" in text for text in _messages(response))  # drill_create's refusal
    assert not Drill.objects.filter(organization=org).exists()
    data["scenario"] = "The primary is gone"
    response = staff_client.post(url, data)
    drill = Drill.objects.get(organization=org, title="Database failover")
    assert response.status_code == 302
    assert drill.scheduled_at == datetime(2026, 12, 10, 10, tzinfo=UTC)
    postmortem_services.drill_run(drill=drill)
    response = staff_client.post(f"/admin/postmortems/drill/{drill.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert any("running drill is completed, not deleted" in text for text in _messages(response))
    assert Drill.objects.filter(pk=drill.pk).exists()


def test_running_drills_in_bulk_shows_each_refusal_and_runs_the_others(staff_client, org):
    from postmortems import services as postmortem_services

    at = datetime(2026, 12, 10, 10, tzinfo=UTC)
    running, scheduled = (postmortem_services.drill_create(organization=org, title=title, scenario="Failover",
                                                           scheduled_at=at) for title in ("Running", "Scheduled"))
    postmortem_services.drill_run(drill=running)
    response = staff_client.post("/admin/postmortems/drill/", {
        "action": "run", "_selected_action": [running.pk, scheduled.pk]})
    assert response.status_code == 302
    assert any(text.startswith("Running") and "only a scheduled drill runs" in text for text in _messages(response))
    scheduled.refresh_from_db()
    assert scheduled.status == "running"
    assert scheduled.incident.is_drill



def test_a_viewer_cannot_run_or_publish_from_the_lists(org, make_member):
    from postmortems import services as postmortem_services

    viewer = Client()
    viewer.force_login(make_member(org, Role.VIEWER, is_staff=True).user)
    drill = postmortem_services.drill_create(organization=org, title="Tabletop", scenario="Failover",
                                             scheduled_at=datetime(2026, 12, 10, 10, tzinfo=UTC))
    postmortem = postmortem_services.postmortem_open(
        incident=incident_services.incident_create(organization=org, title="Down", severity="P1"))
    viewer.post("/admin/postmortems/drill/", {"action": "run", "_selected_action": [drill.pk]})
    viewer.post("/admin/postmortems/postmortem/", {"action": "publish", "_selected_action": [postmortem.pk]})
    drill.refresh_from_db()
    postmortem.refresh_from_db()
    assert (drill.status, postmortem.status) == ("scheduled", "draft")


def test_an_admin_of_one_org_cannot_run_the_drills_of_an_org_they_only_view(staff_client, staff, make_org):
    from postmortems import services as postmortem_services

    other = make_org()
    other.memberships.create(user=staff, role=Role.VIEWER)
    theirs = postmortem_services.drill_create(organization=other, title="Theirs", scenario="Failover",
                                              scheduled_at=datetime(2026, 12, 10, 10, tzinfo=UTC))
    response = staff_client.post("/admin/postmortems/drill/", {"action": "run", "_selected_action": [theirs.pk]})
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == "scheduled"
