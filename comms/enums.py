from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice call"
    CHAT = "chat", "Chat"
    WEBHOOK = "webhook", "Webhook"


# Channels a person can be paged on, in the order tried when falling through.
PERSONAL_CHANNELS = [Channel.VOICE, Channel.SMS, Channel.CHAT, Channel.WEBHOOK, Channel.EMAIL]
# Severity.paging_channels may say "push" (the plan's PagerDuty push); we page it as SMS.
CHANNEL_ALIASES = {"push": Channel.SMS}


class Urgency(models.TextChoices):
    HIGH = "high", "High (P0/P1)"
    LOW = "low", "Low"


class NotificationState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Complained"
    CANCELLED = "cancelled", "Cancelled"


OPEN_NOTIFICATION_STATES = (NotificationState.PENDING, NotificationState.SENDING)
DONE_SENDING_STATES = (NotificationState.SENT, NotificationState.DELIVERED, NotificationState.BOUNCED,
                       NotificationState.COMPLAINED)


class Purpose(models.TextChoices):
    PAGE = "page", "Page"
    REALERT = "realert", "Re-alert"
    ANNOUNCEMENT = "announcement", "Announcement"
    REMINDER = "reminder", "Reminder"
    HANDOFF = "handoff", "Handoff"
    STATUS_UPDATE = "status_update", "Status update"
    AFFECTED_USER = "affected_user", "Affected user"
    TEST = "test", "Test"
    SUBSCRIBER = "subscriber", "Status page subscriber"


class RunState(models.TextChoices):
    ACTIVE = "active", "Active"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    EXHAUSTED = "exhausted", "Exhausted"
    CANCELLED = "cancelled", "Cancelled"


class ChatFormat(models.TextChoices):
    SLACK = "slack", "Slack-compatible (Slack, Mattermost, Rocket.Chat)"
    TEAMS = "teams", "Microsoft Teams"


class WebhookEvent(models.TextChoices):
    TRIGGERED = "incident.triggered", "Incident triggered"
    ACKNOWLEDGED = "incident.acknowledged", "Incident acknowledged"
    STATUS_CHANGED = "incident.status_changed", "Incident status changed"
    RESOLVED = "incident.resolved", "Incident resolved"
    ACTION_ITEM_CREATED = "action_item.created", "Action item created"
    ACTION_ITEM_UPDATED = "action_item.updated", "Action item updated"
    ACTION_ITEM_COMPLETED = "action_item.completed", "Action item completed"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class Audience(models.TextChoices):
    """Who a status update is for: the plan's internal update (5.3, #incidents), the public post
    (status page, subscribers), or the closing message (6.3, sent where internal updates go)."""

    INTERNAL = "internal", "Internal"
    PUBLIC = "public", "Public"
    CLOSURE = "closure", "Closure"


class UpdateStatus(models.TextChoices):
    """The plan's words in a status update; each maps to incident statuses (comms.status_map)."""

    INVESTIGATING = "investigating", "Investigating"
    FIXING = "fixing", "Fixing"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class TemplateKind(models.TextChoices):
    """The plan's message templates an org may edit (section 11, 6.3): each has a default text."""

    INTERNAL = "internal", "Internal update (Slack #incidents)"
    PUBLIC = "public", "External update (status page)"
    PUBLIC_RESOLVED = "public_resolved", "External resolution (status page)"
    CLOSURE = "closure", "Closure message (Slack)"
    USER_EMAIL = "user_email", "Affected-user email (post-incident)"


class ReminderStage(models.TextChoices):
    """Where one due time of an incident's update cadence is: nothing sent yet, the "update due" reminder
    sent, the "overdue" reminder sent (done), superseded by a newer update, or skipped (P3, resolved, drill)."""

    PENDING = "pending", "Pending"
    DUE_SENT = "due_sent", "Due reminder sent"
    OVERDUE_SENT = "overdue_sent", "Overdue reminder sent"
    SUPERSEDED = "superseded", "Superseded by an update"
    SKIPPED = "skipped", "Skipped"


class CampaignState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
