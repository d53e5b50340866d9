"""Chat through incoming webhooks: Slack-compatible JSON (Slack, Mattermost, Rocket.Chat) or Teams."""

from comms.channels.base import Message, Target, post


def slack_payload(message: Message, mention: str = "") -> dict:
    text = f"{mention} {message.text}".strip() if mention else message.text
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    buttons = []
    if message.ack_url:
        buttons.append({"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"},
                        "url": message.ack_url, "style": "danger"})
    if message.incident_url:
        buttons.append({"type": "button", "text": {"type": "plain_text", "text": "Open incident"},
                        "url": message.incident_url})
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return {"text": text, "blocks": blocks}


def teams_payload(message: Message, mention: str = "") -> dict:
    return {"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": message.subject,
            "title": message.subject, "text": f"{mention} {message.text}".strip()}


def send_chat(message: Message, target: Target) -> str:
    payload = teams_payload(message, target.mention) if target.format == "teams" else slack_payload(
        message, target.mention)
    post(target.address, json=payload, headers={"Idempotency-Key": message.idempotency_key})
    return ""
