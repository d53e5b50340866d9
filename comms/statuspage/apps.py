from django.apps import AppConfig


class StatusPageConfig(AppConfig):
    """Part of the comms layer, its own app so its models and migrations stand apart."""

    name = "comms.statuspage"
    label = "statuspage"
    verbose_name = "Status page"

    def ready(self):
        from comms.statuspage import handlers
        from incidents import events

        events.register("statuspage.subscribers", handlers.on_status_update_posted, kinds=handlers.KINDS)
