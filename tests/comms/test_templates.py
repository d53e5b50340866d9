"""Message templates: the sandbox refuses a broken or unsafe template at save time, naming the line."""

import pytest
from django.urls import reverse

from comms import templating
from comms.models import MessageTemplate
from comms.services import status as status_services
from comms.services import templates
from tenancy.enums import Role
from tenancy.errors import ApplicationError
from tests.comms.status_setup import plan_incident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("body", "needle"), [
    ("[{{ severity }}] {{ title }}\n{% if status %}\n{% endfor %}", "Line 3"),
    ("ok\n{% load static %}", "Line 2: Invalid block tag on line 2: 'load'"),
    ("ok\n\n{% include 'comms/page.txt' %}", "Line 3: Invalid block tag on line 3: 'include'"),
    ("{% extends 'admin/base.html' %}", "'extends'"),
    ("{% ssi '/etc/passwd' %}", "'ssi'"),
    ("{% debug %}", "'debug'"),
    ("{{ title }}\n{{ settings.SECRET_KEY }}", "Line 2: unknown variable 'settings.SECRET_KEY'"),
    ("{{ title }}\n{{ title.__class__ }}", "Line 2: Variables and attributes may not begin with underscores"),
    ("{% for x in title %}{{ x }}{% endfor %}\n{{ x }}", "Line 2: unknown variable 'x'"),
    ("{{ title|default:password }}", "unknown variable 'password'"),
    ("{{ posted|date:'Y' }}", "Invalid filter: 'date'"),
])
def test_a_broken_or_unsafe_template_is_refused_at_save(org, body, needle):
    with pytest.raises(ApplicationError) as refused:
        templates.message_template_save(organization=org, kind="internal", body=body)
    assert any(needle in problem for problem in refused.value.errors["body"]), refused.value.errors
    assert not MessageTemplate.objects.exists()


def test_the_api_answers_400_naming_field_and_line(org, make_member, api_client_for):
    client = api_client_for(make_member(org, Role.ADMIN))
    response = client.post(reverse("message-templates-list", kwargs={"org_slug": org.slug}),
                           {"kind": "public", "body": "[{{ status }}] {{ title }}\nHi {{ customer }}"})
    assert response.status_code == 400
    assert response.json()["errors"]["body"][0].startswith("Line 2: unknown variable 'customer'")
    email = client.post(reverse("message-templates-list", kwargs={"org_slug": org.slug}),
                        {"kind": "user_email", "subject": "{% if %}", "body": "Hi {{ name }}"})
    assert email.status_code == 400
    assert "subject" in email.json()["errors"]


def test_an_edited_template_is_used_and_deleting_restores_the_plans(org, make_member, receiver, api_client_for):
    incident, _john = plan_incident(org, make_member, receiver)
    admin = api_client_for(make_member(org, Role.ADMIN))
    base = reverse("message-templates-list", kwargs={"org_slug": org.slug})
    created = admin.post(base, {"kind": "internal", "body": "{{ severity }} | {{ status|lower }} | {{ commander }}"})
    assert created.status_code == 201, created.content
    assert status_services.status_update_draft(incident=incident, audience="internal")["body"] == \
        "P0 | investigating | @john"
    detail = reverse("message-templates-detail", kwargs={"org_slug": org.slug, "pk": created.json()["id"]})
    assert admin.patch(detail, {"body": "{{ title }}"}).status_code == 200
    assert admin.patch(detail, {"body": "{{ nope }}"}).status_code == 400
    assert status_services.status_update_draft(incident=incident, audience="internal")["body"] == \
        "Database Connection Failure"
    assert admin.delete(detail).status_code == 204
    assert status_services.status_update_draft(incident=incident, audience="internal")["body"].startswith(
        "[P0] Database Connection Failure - ")
    defaults = admin.get(reverse("message-templates-defaults", kwargs={"org_slug": org.slug})).json()
    assert {d["kind"] for d in defaults} == {"internal", "public", "public_resolved", "closure", "user_email"}
    responder = api_client_for(make_member(org, Role.RESPONDER))
    assert responder.post(base, {"kind": "internal", "body": "x"}).status_code == 403


def test_html_rendering_autoescapes_and_text_does_not():
    source = "Hi {{ name }}"
    assert templating.render(source, {"name": "<script>x</script>"}, html=True) == \
        "Hi &lt;script&gt;x&lt;/script&gt;"
    assert templating.render(source, {"name": "Ann & Bob"}) == "Hi Ann & Bob"


def test_every_default_template_passes_its_own_check():
    for kind, (subject, body) in templating.DEFAULTS.items():
        assert templating.check(kind, body) == []
        assert templating.check(kind, subject) == []
