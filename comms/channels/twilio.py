"""SMS and voice through Twilio's REST API (any compatible API: ``TWILIO_API_BASE``).

https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource"""

from xml.sax.saxutils import escape

from comms import conf
from comms.channels.base import Message, PermanentError, Target, post


def _account() -> dict:
    account = conf.twilio()
    if not (account["account_sid"] and account["auth_token"] and account["from_number"]):
        raise PermanentError("SMS/voice provider not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, "
                             "TWILIO_FROM_NUMBER).")
    return account


def _create(resource: str, data: dict, idempotency_key: str) -> str:
    account = _account()
    url = f"{account['api_base']}/2010-04-01/Accounts/{account['account_sid']}/{resource}.json"
    response = post(url, data={"From": account["from_number"], **data},
                    auth=(account["account_sid"], account["auth_token"]),
                    headers={"I-Twilio-Idempotency-Token": idempotency_key})
    try:
        return str(response.json().get("sid", ""))
    except ValueError:
        return ""


def send_sms(message: Message, target: Target) -> str:
    body = message.short or message.text
    if message.ack_url:
        body = f"{body}\nAck: {message.ack_url}"
    return _create("Messages", {"To": target.address, "Body": body[:1500]}, message.idempotency_key)


def send_voice(message: Message, target: Target) -> str:
    said = escape(message.short or message.subject)
    twiml = f'<Response><Say loop="2">{said}. Acknowledge from the link sent to you or in Foghorn.</Say></Response>'
    return _create("Calls", {"To": target.address, "Twiml": twiml}, message.idempotency_key)
