"""A generic webhook: JSON body signed with HMAC-SHA256 (``X-Foghorn-Signature: sha256=<hex>``)."""

import json
import time

from comms import crypto
from comms.channels.base import Message, Target, post


def signed_headers(secret: str, body: bytes, idempotency_key: str) -> dict:
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key,
               "X-Foghorn-Timestamp": timestamp, "User-Agent": "Foghorn-Webhook/1"}
    if secret:
        headers["X-Foghorn-Signature"] = "sha256=" + crypto.sign(secret, body)
    return headers


def send_webhook(message: Message, target: Target) -> str:
    body = json.dumps({"event": "page", "subject": message.subject, "text": message.text,
                       "ack_url": message.ack_url, **message.data}, sort_keys=True, default=str).encode()
    post(target.address, data=body, headers=signed_headers(target.secret, body, message.idempotency_key))
    return ""
