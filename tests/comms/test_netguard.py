"""SSRF: outbound URLs never reach loopback, private, link-local, multicast or reserved addresses — refused
at save (a 400 naming the field) and again at connect time (DNS rebinding), redirects included."""

import socket

import pytest
from django.urls import reverse

from comms import channels, netguard
from comms.channels import Message, Target
from tenancy.enums import Role

pytestmark = pytest.mark.django_db

INTERNAL_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:5432/",
    "http://localhost:6379/",
    "http://[::1]/hook",
    "http://10.0.0.1/hook",
    "http://192.168.1.20/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://0x7f000001/",
    "http://[::ffff:127.0.0.1]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://0.0.0.0:8000/",
]
PUBLIC_URL = "https://93.184.215.14/hooks/T000"


@pytest.fixture
def guarded(settings):
    settings.FOGHORN_ALLOW_PRIVATE_URLS = False
    return settings


def url(org, name, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.mark.parametrize("address", INTERNAL_URLS)
def test_check_url_refuses_internal_addresses(guarded, address):
    with pytest.raises(netguard.UnsafeURL) as refused:
        netguard.check_url(address)
    assert "public" in str(refused.value)


def test_check_url_accepts_public_addresses_and_private_ones_when_allowed(guarded):
    netguard.check_url(PUBLIC_URL)
    guarded.FOGHORN_ALLOW_PRIVATE_URLS = True
    netguard.check_url("http://127.0.0.1:5432/")
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url("gopher://127.0.0.1/")


@pytest.mark.parametrize("address", ["http://169.254.169.254/latest/", "http://localhost:6379/", "http://[::1]/h"])
@pytest.mark.parametrize(("route", "body", "field"), [
    ("chat-destinations-list", {"name": "#incidents"}, "url"),
    ("webhook-endpoints-list", {"name": "ops"}, "url"),
    ("contact-methods-list", {"kind": "webhook"}, "value"),
    ("contact-methods-list", {"kind": "chat"}, "value"),
])
def test_saving_an_internal_url_is_a_400_naming_the_field(guarded, org, member_of, address, route, body, field):
    _admin, client = member_of(Role.ADMIN)
    response = client.post(url(org, route), {**body, field: address})
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert "public" in response.json()["errors"][field][0]


def test_updating_to_an_internal_url_is_refused(guarded, org, member_of):
    _admin, client = member_of(Role.ADMIN)
    created = client.post(url(org, "webhook-endpoints-list"), {"name": "ops", "url": PUBLIC_URL})
    assert created.status_code == 201, created.content
    response = client.patch(url(org, "webhook-endpoints-detail", pk=created.json()["id"]),
                            {"url": "http://10.0.0.1/in"})
    assert response.status_code == 400
    assert "url" in response.json()["errors"]


def test_dns_rebinding_is_refused_at_connect_time(guarded, receiver, monkeypatch):
    """The host resolved to a public address when it was checked, and to 127.0.0.1 when we connect."""
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.215.14", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host == "hooks.rebind.test":
            return real_getaddrinfo(next(answers, "127.0.0.1"), port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    address = f"http://hooks.rebind.test:{receiver.server.server_address[1]}/alice"
    netguard.check_url(address)  # the save-time check sees the public address
    with pytest.raises(channels.PermanentError) as refused:
        channels.send("chat", Message(subject="s", text="t"), Target(address=address))
    assert "loopback" in str(refused.value)
    assert receiver.at("/alice") == []


def test_redirects_are_checked_at_connect_time_too(settings, receiver):
    """The first hop is allowed (private URLs allowed while it is made); its redirect to the metadata service
    is a new connection, checked when it is made."""
    settings.FOGHORN_ALLOW_PRIVATE_URLS = True

    def redirect_and_lock_down():
        settings.FOGHORN_ALLOW_PRIVATE_URLS = False
        return 302

    receiver.respond("/moved", status=redirect_and_lock_down,
                     headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(netguard.UnsafeURL) as refused:
        netguard.session().post(receiver.url("/moved"), timeout=3)
    assert "link-local" in str(refused.value)


def test_the_guarded_session_refuses_a_literal_internal_address(guarded, receiver):
    with pytest.raises(netguard.UnsafeURL) as refused:
        netguard.session().post(receiver.url("/x"), timeout=3)
    assert "loopback" in str(refused.value)
    assert receiver.at("/x") == []


def test_the_admin_refuses_an_internal_url_too(guarded, client, org, make_member):
    from comms.models import ChatDestination

    admin = make_member(org, Role.ADMIN, is_staff=True).user
    client.force_login(admin)
    response = client.post(reverse("admin:comms_chatdestination_add"), {
        "organization": org.pk, "name": "#incidents", "format": "slack", "url": "http://169.254.169.254/latest/",
        "severities": '["P1"]', "is_active": "on"})
    assert response.status_code == 200  # the form again, with the error
    assert "only public addresses" in response.content.decode()
    assert not ChatDestination.objects.filter(organization=org).exists()
