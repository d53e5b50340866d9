from django.db import models


class ActionKind(models.TextChoices):
    """One Slack or Zoom side effect of the ledger (``SlackAction``)."""

    WAR_ROOM = "war_room", "Create the war-room meeting (Zoom)"
    CREATE_CHANNEL = "create_channel", "Create the incident channel"
    SET_TOPIC = "set_topic", "Set the channel topic"
    INVITE = "invite", "Invite people to the channel"
    POST_CARD = "post_card", "Post the incident card"
    ANNOUNCE = "announce", "Announce in the announcement channel"
    POST_MESSAGE = "post_message", "Post a message in the incident channel"
    UPDATE_CARD = "update_card", "Bring the incident card up to date"
    RESPOND = "respond", "Answer a slash command or button (response URL)"


class ActionState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (gave up)"
    SKIPPED = "skipped", "Skipped"


FINISHED_STATES = (ActionState.DONE, ActionState.FAILED, ActionState.SKIPPED)


class WarRoomMode(models.TextChoices):
    NONE = "none", "No war room"
    STATIC = "static", "A static bridge URL (Zoom personal room, Meet, Jitsi)"
    ZOOM = "zoom", "A Zoom meeting per incident (server-to-server OAuth)"
