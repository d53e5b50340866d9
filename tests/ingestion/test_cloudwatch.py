"""POST /integrations/v1/cloudwatch/<key>/: SNS deliveries of CloudWatch alarms, signed with a test
certificate served at an SNS-looking URL (the HTTP fetch is faked; the URL checks are real)."""

import json

import pytest
import requests

from incidents.enums import IncidentStatus, TimelineKind
from incidents.ingestion.models import Alert, Integration
from incidents.models import Incident, TimelineEvent
from tests.ingestion import sns_signing
from tests.ingestion.conftest import integration_url

pytestmark = pytest.mark.django_db


class FakeResponse:
    def __init__(self, content=b"", status=200):
        self.content, self.status_code = content, status

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.HTTPError(str(self.status_code))


@pytest.fixture
def aws(monkeypatch):
    """Fake SNS over HTTP: serves the test certificate and answers SubscribeURL; records every GET."""
    calls = []
    _key, pem = sns_signing.signing_pair()

    def get(url, **kwargs):
        calls.append(url)
        if url.endswith(".pem"):
            return FakeResponse(pem)
        if "ConfirmSubscription" in url:
            return FakeResponse(b"<ConfirmSubscriptionResponse/>")
        return FakeResponse(status=404)

    monkeypatch.setattr(requests, "get", get)
    return calls


@pytest.fixture
def cloudwatch(integration_of):
    integration, key = integration_of("cloudwatch")
    return integration, integration_url("cloudwatch", key)


def deliver(http, url, message, message_type=None):
    return http.post_json(url, json.dumps(message), content_type="text/plain; charset=UTF-8",
                          HTTP_X_AMZ_SNS_MESSAGE_TYPE=message_type or message["Type"],
                          HTTP_X_AMZ_SNS_TOPIC_ARN=message["TopicArn"])


def test_subscription_is_confirmed_by_visiting_subscribe_url(cloudwatch, http, aws):
    integration, url = cloudwatch
    message = sns_signing.subscription_confirmation()
    response = deliver(http, url, message)
    assert response.status_code == 200, response.content
    assert message["SubscribeURL"] in aws
    integration.refresh_from_db()
    assert integration.sns_topic_arn == sns_signing.TOPIC_ARN


@pytest.mark.parametrize("subscribe_url", [
    "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
    "https://evil.example.com/?Action=ConfirmSubscription",
    "https://sns.us-east-1.amazonaws.com.evil.example.com/?Action=ConfirmSubscription",
    "https://sns.us-east-1.amazonaws.com:8443/?Action=ConfirmSubscription",
    "https://169.254.169.254/latest/meta-data/",
])
def test_subscribe_url_must_be_an_https_sns_host(cloudwatch, http, aws, subscribe_url):
    _integration, url = cloudwatch
    response = deliver(http, url, sns_signing.subscription_confirmation(subscribe_url))
    assert response.status_code == 400
    assert subscribe_url not in aws


@pytest.mark.parametrize("cert_url", [
    "https://evil.example.com/SimpleNotificationService-x.pem",
    "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    "https://sns.us-east-1.amazonaws.com.evil.example.com/x.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.txt",
    "https://s3.amazonaws.com/sns/x.pem",
])
def test_certificate_url_is_restricted_to_sns_pem(cloudwatch, http, aws, cert_url):
    _integration, url = cloudwatch
    response = deliver(http, url, sns_signing.notification(SigningCertURL=cert_url))
    assert response.status_code == 403
    assert aws == []
    assert not Alert.objects.exists()


def test_extra_certificate_urls_can_be_allowed_by_setting(cloudwatch, http, aws, settings):
    _integration, url = cloudwatch
    cert_url = "http://127.0.0.1:9/test-sns.pem"
    settings.INGESTION_SNS_EXTRA_CERT_URLS = [cert_url]
    assert deliver(http, url, sns_signing.notification(SigningCertURL=cert_url)).status_code == 202


@pytest.mark.parametrize("version", ["1", "2"])
def test_alarm_triggers_and_ok_resolves(cloudwatch, http, aws, version):
    _integration, url = cloudwatch
    response = deliver(http, url, sns_signing.notification("ALARM", version=version))
    assert response.status_code == 202, response.content
    incident = Incident.objects.get()
    assert incident.title.startswith("api-5xx: Threshold Crossed")
    assert Alert.objects.get().dedup_key == sns_signing.ALARM_ARN
    assert deliver(http, url, sns_signing.notification("OK", version=version)).status_code == 202
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert aws.count(sns_signing.CERT_URL) == 1  # the certificate is fetched once, then cached


def test_insufficient_data_is_noted(cloudwatch, http, aws):
    _integration, url = cloudwatch
    deliver(http, url, sns_signing.notification("ALARM"))
    assert deliver(http, url, sns_signing.notification("INSUFFICIENT_DATA")).status_code == 202
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineKind.SYSTEM).exists()


def test_retried_message_id_is_processed_once_and_alarm_arn_dedups(cloudwatch, http, aws):
    _integration, url = cloudwatch
    message = sns_signing.notification("ALARM", message_id="11111111-2222-3333-4444-555555555555")
    assert deliver(http, url, message).status_code == 202
    assert deliver(http, url, message).status_code == 200
    assert deliver(http, url, sns_signing.notification("ALARM")).status_code == 202
    assert Alert.objects.count() == 1
    assert Incident.objects.get().alert_count == 1


@pytest.mark.parametrize("tamper", [
    lambda m: {**m, "Message": sns_signing.alarm("OK")},
    lambda m: {**m, "Signature": "AAAA" + m["Signature"][4:]},
    lambda m: {**m, "Signature": "not base64!"},
    lambda m: {**m, "SignatureVersion": "3"},
    lambda m: {key: value for key, value in m.items() if key != "Signature"},
    lambda m: {**m, "Type": "Bogus"},
])
def test_tampered_or_unsigned_messages_are_refused(cloudwatch, http, aws, tamper):
    _integration, url = cloudwatch
    response = deliver(http, url, tamper(sns_signing.notification("ALARM")), message_type="Notification")
    assert response.status_code in (400, 403)
    assert not Alert.objects.exists()


def test_topic_is_pinned_after_confirmation(cloudwatch, http, aws):
    integration, url = cloudwatch
    Integration.objects.filter(pk=integration.pk).update(sns_topic_arn="arn:aws:sns:us-east-1:1:other")
    from incidents.ingestion import selectors

    selectors.integration_cache_clear()
    assert deliver(http, url, sns_signing.notification("ALARM")).status_code == 403


def test_signed_message_that_is_not_an_alarm_is_400(cloudwatch, http, aws):
    _integration, url = cloudwatch
    response = deliver(http, url, sns_signing.notification(Message="hello"))
    assert response.status_code == 400
    assert not Alert.objects.exists()


def test_certificate_fetch_failure_is_503_so_sns_retries(cloudwatch, http, monkeypatch):
    _integration, url = cloudwatch

    def down(url, **kwargs):
        raise requests.ConnectionError("down")

    monkeypatch.setattr(requests, "get", down)
    response = deliver(http, url, sns_signing.notification("ALARM"))
    assert response.status_code == 503
    assert response["Retry-After"]
