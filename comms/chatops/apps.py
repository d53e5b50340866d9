from django.apps import AppConfig


class ChatOpsConfig(AppConfig):
    """The Slack app and the war-room bridge: part of the comms layer, its own app so its models and
    migrations stand apart (``slack`` would clash with slack-sdk's top-level module)."""

    name = "comms.chatops"
    label = "chatops"
    verbose_name = "ChatOps (Slack, war room)"

    def ready(self):
        from comms.chatops import handlers
        from incidents import events

        events.register("comms.chatops", handlers.on_timeline_event, kinds=handlers.KINDS)
