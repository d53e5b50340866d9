"""Affected users: bulk JSON, CSV upload and paste; invalid rows reported row by row, duplicates merged,
the per-incident cap; bad files (too big, not CSV, wrong encoding) are a clear 4xx."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comms import sql
from comms.models import AffectedUser
from tenancy.enums import Role
from tests.comms.status_setup import plan_incident

pytestmark = pytest.mark.django_db

CSV = (
    "email,name,plan\n"
    "ann@example.com,Ann,pro\n"
    "not-an-email,Bob,free\n"
    "ANN@example.com,,team\n"
    ",NoEmail,free\n"
    "carol@example.com,Carol\n"
    "dave@example.com,Dave,free,extra-value\n"
)


@pytest.fixture
def setup(org, make_member, receiver, api_client_for):
    incident, _john = plan_incident(org, make_member, receiver)
    client = api_client_for(make_member(org, Role.RESPONDER))
    url = reverse("incident-affected-users-list", kwargs={"org_slug": org.slug, "number": incident.number})
    return incident, client, url


def test_csv_upload_keeps_valid_rows_and_reports_bad_ones(setup):
    incident, client, url = setup
    upload = SimpleUploadedFile("users.csv", CSV.encode(), content_type="text/csv")
    response = client.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["merged"], body["total"]) == (2, 1, 2)
    assert {(e["line"], e["field"]) for e in body["errors"]} == {(3, "email"), (5, "email"), (7, "row")}
    ann = AffectedUser.objects.get(incident=incident, email_key="ann@example.com")
    assert (ann.name, ann.extra) == ("Ann", {"plan": "team"})  # merged: the later column wins, the name stays
    listed = client.get(url).json()["results"]
    assert {u["email"] for u in listed} == {"ann@example.com", "carol@example.com"}


def test_json_bulk_paste_and_text_csv_body(setup):
    incident, client, url = setup
    bulk = client.post(url, {"users": [{"email": "e@example.com", "name": "E", "tier": "gold"},
                                       {"email": "bad"}, "not an object"]}, format="json")
    assert bulk.status_code == 200, bulk.content
    assert bulk.json()["created"] == 1
    assert len(bulk.json()["errors"]) == 2
    pasted = client.post(url, {"paste": "Fay <fay@example.com>\ngus@example.com, Gus\n\nE@EXAMPLE.COM"}, format="json")
    assert pasted.json()["created"] == 2
    assert pasted.json()["merged"] == 1
    raw = client.generic("POST", url, "email\nhal@example.com\n", content_type="text/csv")
    assert raw.status_code == 200
    assert raw.json()["created"] == 1
    assert AffectedUser.objects.filter(incident=incident).count() == 4
    assert AffectedUser.objects.get(email_key="e@example.com").extra == {"tier": "gold"}


def test_nothing_valid_is_a_400_with_the_rows(setup):
    _incident, client, url = setup
    response = client.post(url, {"users": [{"email": "nope"}]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["rows"] == [{"line": 1, "field": "email", "reason": "Not a valid email address."}]
    assert client.post(url, {}, format="json").status_code == 400


def test_the_cap_per_incident_writes_nothing_past_it(setup, settings):
    incident, client, url = setup
    settings.COMMS_AFFECTED_USERS_MAX = 3
    assert client.post(url, {"paste": "a@x.io\nb@x.io"}, format="json").status_code == 200
    refused = client.post(url, {"paste": "c@x.io\nd@x.io\na@x.io"}, format="json")
    assert refused.status_code == 400
    assert "at most 3" in refused.json()["errors"]["users"][0]
    assert AffectedUser.objects.filter(incident=incident).count() == 2


def test_a_50_mb_csv_is_413(setup):
    _incident, client, url = setup
    big = b"email\n" + b"someone@example.com\n" * (50 * 1024 * 1024 // 20)
    response = client.post(url, {"file": SimpleUploadedFile("big.csv", big, content_type="text/csv")},
                           format="multipart")
    assert response.status_code == 413
    assert "file" in response.json()["errors"]


@pytest.mark.parametrize(("data", "needle"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
    ("email,name\nann@example.com,Zoë\n".encode("latin-1"), "Line 2: not UTF-8"),
    (b"name,phone\nAnn,123\n", "header with an 'email' column"),
    (b"", "empty"),
])
def test_bad_files_are_a_clear_400(setup, data, needle):
    _incident, client, url = setup
    response = client.post(url, {"file": SimpleUploadedFile("users.csv", data)}, format="multipart")
    assert response.status_code == 400, response.content
    assert needle in response.json()["errors"]["file"][0]


def test_utf16_with_bom_is_read(setup):
    incident, client, url = setup
    data = "email,name\nzoe@example.com,Zoë\n".encode("utf-16")
    response = client.post(url, {"file": SimpleUploadedFile("users.csv", data)}, format="multipart")
    assert response.status_code == 200, response.content
    assert AffectedUser.objects.get(incident=incident).name == "Zoë"


def test_viewers_read_but_do_not_import(setup, org, make_member, api_client_for):
    _incident, _client, url = setup
    viewer = api_client_for(make_member(org, Role.VIEWER))
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, {"paste": "a@x.io"}, format="json").status_code == 403


@pytest.mark.parametrize("portable", [False, True])
def test_the_upsert_and_its_portable_twin_merge_alike(setup, portable):
    incident, _client, _url = setup
    first = [{"email": "Ann@x.io", "email_key": "ann@x.io", "name": "Ann", "extra": {"plan": "pro", "seat": "1"}}]
    again = [{"email": "ann@x.io", "email_key": "ann@x.io", "name": "", "extra": {"plan": "team"}},
             {"email": "bo@x.io", "email_key": "bo@x.io", "name": "Bo", "extra": {}}]
    sql.affected_users_upsert(incident, first, portable=portable)
    sql.affected_users_upsert(incident, again, portable=portable)
    rows = {row.email_key: row for row in AffectedUser.objects.filter(incident=incident)}
    assert (rows["ann@x.io"].email, rows["ann@x.io"].name) == ("ann@x.io", "Ann")
    assert rows["ann@x.io"].extra == {"plan": "team", "seat": "1"}
    assert rows["bo@x.io"].name == "Bo"
