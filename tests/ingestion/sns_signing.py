"""A test SNS: a self-signed certificate and messages signed the way AWS documents it
(https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html)."""

import base64
import datetime
import json
import uuid
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:cloudwatch-alarms"
ALARM_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx"


@lru_cache(maxsize=1)
def signing_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


def sign(message: dict, version: str = "1") -> dict:
    if message["Type"] == "Notification":
        names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    text = "".join(f"{name}\n{message[name]}\n" for name in names if name in message)
    key, _pem = signing_pair()
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303 — SNS SignatureVersion 1
    signature = key.sign(text.encode(), padding.PKCS1v15(), algorithm)
    return {**message, "SignatureVersion": version, "Signature": base64.b64encode(signature).decode(),
            "SigningCertURL": message.get("SigningCertURL", CERT_URL)}


def alarm(state="ALARM", alarm_arn=ALARM_ARN) -> str:
    return json.dumps({
        "AlarmName": "api-5xx", "AlarmDescription": "API 5xx over 5%", "AWSAccountId": "123456789012",
        "NewStateValue": state, "NewStateReason": "Threshold Crossed: 1 datapoint [7.0] was greater than 5.0",
        "StateChangeTime": "2026-11-26T22:31:16.221+0000", "Region": "US East (N. Virginia)",
        "AlarmArn": alarm_arn, "OldStateValue": "OK",
        "Trigger": {"MetricName": "HTTPCode_Target_5XX_Count", "Namespace": "AWS/ApplicationELB"},
    })


def notification(state="ALARM", message_id=None, version="1", **overrides) -> dict:
    message = {"Type": "Notification", "MessageId": message_id or str(uuid.uuid4()), "TopicArn": TOPIC_ARN,
               "Subject": f'{state}: "api-5xx" in US East (N. Virginia)', "Message": alarm(state),
               "Timestamp": "2026-11-26T22:31:17.000Z",
               "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&x=1", **overrides}
    return sign(message, version)


def subscription_confirmation(subscribe_url=None, **overrides) -> dict:
    url = subscribe_url or (f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC_ARN}"
                            "&Token=2336412f37")
    message = {"Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": "2336412f37",
               "TopicArn": TOPIC_ARN, "SubscribeURL": url, "Timestamp": "2026-11-26T22:30:00.000Z",
               "Message": f"You have chosen to subscribe to the topic {TOPIC_ARN}.", **overrides}
    return sign(message)
