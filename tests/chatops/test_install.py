"""OAuth v2 install bound to the org and the installing admin; the token encrypted and never echoed; uninstall."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from comms.chatops.models import SlackWorkspace
from tenancy.enums import Role
from tests.chatops.conftest import install_into
from tests.chatops.slack_standin import BOT_TOKEN

pytestmark = pytest.mark.django_db


def start(client, org):
    response = client.get(f"/integrations/slack/install?org={org.slug}")
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    return query


def test_admin_installs_through_oauth(org, admin_member, slack, api_client_for):
    browser = Client()
    browser.force_login(admin_member.user)
    query = start(browser, org)
    assert query["client_id"] == ["111.222"]
    assert "chat:write" in query["scope"][0]
    assert query["redirect_uri"] == ["http://testserver/integrations/slack/oauth/callback"]
    response = browser.get("/integrations/slack/oauth/callback", {"code": "good-code", "state": query["state"][0]})
    assert response.status_code == 200, response.content
    workspace = SlackWorkspace.objects.get(organization=org)
    assert workspace.team_id == "T0STANDIN"
    assert workspace.bot_token == BOT_TOKEN
    assert BOT_TOKEN not in workspace.bot_token_encrypted
    access = slack.calls_to("oauth.v2.access")[0]
    assert access.args["code"] == "good-code"

    answer = api_client_for(admin_member).get(f"/api/v1/orgs/{org.slug}/slack/")
    assert answer.status_code == 200
    assert answer.json()["installed"] is True
    assert BOT_TOKEN not in answer.content.decode()


def test_state_is_bound_to_the_installing_admin(org, admin_member, make_member, slack):
    browser = Client()
    browser.force_login(admin_member.user)
    state = start(browser, org)["state"][0]
    other = Client()
    other.force_login(make_member(org, Role.ADMIN).user)
    assert other.get("/integrations/slack/oauth/callback", {"code": "good-code", "state": state}).status_code == 403
    assert browser.get("/integrations/slack/oauth/callback", {"code": "good-code",
                                                              "state": state + "x"}).status_code == 400
    assert not SlackWorkspace.objects.exists()


def test_only_admins_start_an_install(org, responder, slack):
    browser = Client()
    browser.force_login(responder.user)
    assert browser.get(f"/integrations/slack/install?org={org.slug}").status_code == 403
    assert Client().get(f"/integrations/slack/install?org={org.slug}").status_code == 302  # to the login


def test_a_workspace_belongs_to_one_org(org, make_org, admin_member, slack):
    install_into(org, slack)
    org_b = make_org()
    from tenancy.errors import ConflictError

    with pytest.raises(ConflictError):
        install_into(org_b, slack)


def test_uninstall_removes_the_token(org, workspace, admin_member, responder, slack, api_client_for):
    assert api_client_for(responder).delete(f"/api/v1/orgs/{org.slug}/slack/").status_code == 403
    response = api_client_for(admin_member).delete(f"/api/v1/orgs/{org.slug}/slack/")
    assert response.status_code == 200
    assert response.json()["installed"] is False
    assert not SlackWorkspace.objects.filter(organization=org).exists()
    assert len(slack.calls_to("auth.revoke")) == 1


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.RESPONDER, 403), (Role.ADMIN, 200)])
def test_settings_role_matrix(org, member_of, slack, role, expected):
    _membership, client = member_of(role)
    response = client.patch(f"/api/v1/orgs/{org.slug}/slack/", {"announcement_channel": "#incidents",
                                                                 "channel_severities": ["P0", "P1"]}, format="json")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["settings"]["channel_severities"] == ["P0", "P1"]


def test_bad_settings_name_the_field(org, member_of, slack):
    _membership, client = member_of(Role.ADMIN)
    response = client.patch(f"/api/v1/orgs/{org.slug}/slack/", {"channel_severities": "P0",
                                                                 "war_room_mode": "static"}, format="json")
    assert response.status_code == 400
    assert "channel_severities" in response.json()["errors"]
    response = client.patch(f"/api/v1/orgs/{org.slug}/slack/", {"war_room_mode": "static"}, format="json")
    assert response.status_code == 400
    assert "war_room_url" in response.json()["errors"]
