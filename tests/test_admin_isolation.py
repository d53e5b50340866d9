"""The admin's tenancy wall, for every registered admin model (found from the registry, not a hand list).

Staff who own org B log in; every object of the demo org (org A) must stay out of their reach:
not listed, not openable or changeable by URL, not deletable, and not offered in any add form."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from comms import crypto
from comms.chatops.models import IncidentChannel, SlackAction, SlackInbound, SlackWorkspace
from comms.services import contacts as comms_services
from comms.services import templates as template_services
from comms.statuspage.services import subscribers as subscriber_services
from comms.statuspage.services import vendor as vendor_services
from incidents.ingestion import services as ingestion_services
from incidents.models import Incident, Service
from oncall import services as oncall_services
from postmortems.services import mail as mail_services
from tenancy import services as tenancy_services
from tenancy.admin_base import _obj_org_id, _org_path_of
from tenancy.enums import Role
from tenancy.models import Organization
from tests.ingestion.factories import make_integration

pytestmark = pytest.mark.django_db

# Models no demo object exists for, with why (anything else without one fails the test).
NOT_SEEDED: dict[str, str] = {}


def _tenant_admins():
    for model, model_admin in admin.site._registry.items():
        path = getattr(model_admin, "organization_field", None) or _org_path_of(model)
        if path is None or (_org_path_of(model) is None and not getattr(model_admin, "organization_field", None)):
            continue
        yield model, model_admin, path


def _one_object_of(model, path: str, organization: Organization):
    lookup = "pk" if path == "pk" else f"{path}"
    return model._default_manager.filter(**{lookup: organization.pk}).first()


def _chatops_rows(demo: Organization) -> None:
    """Slack's rows come from an OAuth install and Slack's own calls (tests/chatops drives those against
    the stand-in); here they are only something to attack, so they are written as test data."""
    incident = Incident.objects.filter(organization=demo).first()
    SlackWorkspace.objects.create(organization=demo, team_id="TDEMO", bot_token_encrypted=crypto.encrypt("xoxb-1"))
    IncidentChannel.objects.create(organization=demo, incident=incident, team_id="TDEMO", channel_id="C1",
                                   name="incident-1")
    SlackAction.objects.create(organization=demo, incident=incident, kind="create_channel", idempotency_key="wall")
    SlackInbound.objects.create(organization=demo, key="wall", kind="event", team_id="TDEMO", payload={})


def _complete(demo: Organization, client) -> None:
    """What the demo seed leaves out, made the way people make it (services, an alert over HTTP)."""
    owner = demo.memberships.filter(role=Role.OWNER).first().user
    service = Service.objects.filter(organization=demo).first()
    tenancy_services.api_token_create(organization=demo, user=owner, name="laptop")
    oncall_services.oncall_preference_update(organization=demo, user=owner, handoff_lead_time=timedelta(hours=1))
    now = timezone.now()
    ingestion_services.maintenance_window_create(organization=demo, service=service, starts_at=now + timedelta(days=1),
                                                 ends_at=now + timedelta(days=1, hours=1), reason="upgrade")
    comms_services.webhook_endpoint_create(organization=demo, name="tracker", url="http://127.0.0.1:9/hook")
    comms_services.channel_throttle_save(organization=demo, channel="sms", max_count=1, per_seconds=60)
    tenancy_services.invitation_create(organization=demo, email="newcomer@demo.test", invited_by=owner)
    comms_services.chat_destination_create(organization=demo, name="#incidents", url="http://127.0.0.1:9/chat")
    template_services.message_template_save(organization=demo, kind="internal", body="{{ title }}: {{ status }}")
    subscriber_services.subscribers_import(organization=demo, emails=["list@demo.test"], reason="ops list")
    vendor_services.vendor_feed_create(organization=demo, name="AWS", url="http://127.0.0.1:9/summary.json")
    mail_services.mail_queue(organization_id=demo.pk, key="admin-wall", kind="reminder", to="a@demo.test",
                             subject="Due", body="Due soon")
    _chatops_rows(demo)
    _integration, key = make_integration(demo, service=service)
    answer = client.post("/v2/enqueue", {"routing_key": key, "event_action": "trigger", "dedup_key": "admin-wall",
                                         "payload": {"summary": "disk full", "source": "db-1", "severity": "error"}},
                         content_type="application/json")
    assert answer.status_code == 202


@pytest.fixture
def demo_and_intruder(make_org, make_member, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the demo's incidents page, as they would
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        demo = Organization.objects.get(slug="demo")
        _complete(demo, client)
    intruder = make_member(make_org(name="Intruder Co"), Role.OWNER, is_staff=True, email="boss@intruder.test")
    client.force_login(intruder.user)
    return demo, client


def test_every_admin_model_refuses_staff_of_another_org(demo_and_intruder):
    demo, client = demo_and_intruder
    checked, missing = [], []
    for model, _model_admin, path in _tenant_admins():
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        obj = _one_object_of(model, path, demo)
        if obj is None:
            if label not in NOT_SEEDED:
                missing.append(label)
            continue
        assert _obj_org_id(obj, path) == demo.pk
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = client.get(reverse(f"{prefix}_changelist"))
        assert changelist.status_code in (200, 302, 403), label
        if changelist.status_code == 200:
            link = reverse(f"{prefix}_change", args=[obj.pk])
            assert link not in changelist.content.decode(), f"{label}: another org's object is listed"
        for view in ("change", "delete", "history"):
            answer = client.get(reverse(f"{prefix}_{view}", args=[obj.pk]))
            assert answer.status_code in (302, 403, 404), f"{label} {view}: {answer.status_code}"
        deleted = client.post(reverse(f"{prefix}_delete", args=[obj.pk]), {"post": "yes"})
        assert deleted.status_code in (302, 403, 404), label
        assert model._default_manager.filter(pk=obj.pk).exists(), f"{label}: deleted by another org's staff"
        checked.append(label)
    assert not missing, f"No demo object to attack for: {missing} (seed one, or say why in NOT_SEEDED)"
    assert len(checked) >= 10


def test_no_add_form_offers_another_orgs_objects(demo_and_intruder):
    demo, client = demo_and_intruder
    demo_ids = {str(demo.pk)}
    for model, _model_admin, _path in _tenant_admins():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        answer = client.get(reverse(f"admin:{info}_add"))
        if answer.status_code != 200:
            continue
        form = answer.content.decode()
        offered = set(re.findall(r'<option value="(\d+)"', form))
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is None or not getattr(field, "concrete", False) or _org_path_of(related) is None:
                continue
            foreign = {str(pk) for pk in related._default_manager.filter(
                **{("pk" if _org_path_of(related) == "pk" else _org_path_of(related)): demo.pk}
            ).values_list("pk", flat=True)}
            if related is Organization:
                foreign = demo_ids
            leaked = foreign & offered & _ids_in_select(form, field.name)
            assert not leaked, f"{info}: the {field.name} field offers another org's {related.__name__} {leaked}"


def _ids_in_select(form: str, name: str) -> set[str]:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S)
    return set(re.findall(r'<option value="(\d+)"', match.group(1))) if match else set()
