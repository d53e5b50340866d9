from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "comms"

    def ready(self):
        from anymail.signals import tracking
        from django.db.models.signals import post_save

        from comms import console, handlers, receivers
        from incidents import events
        from tenancy.models import Membership

        events.register("comms.paging", handlers.on_paging_event, kinds=handlers.PAGING_KINDS)
        events.register("comms.webhooks", handlers.on_webhook_event, kinds=handlers.WEBHOOK_KINDS)
        events.register("comms.status_updates", handlers.on_status_event, kinds=handlers.STATUS_KINDS)
        tracking.connect(receivers.on_anymail_tracking, dispatch_uid="comms.anymail_tracking")
        post_save.connect(receivers.on_membership_saved, sender=Membership, dispatch_uid="comms.member_defaults")

        from comms.services import ticks
        from tenancy import health

        health.register_report("beat", ticks.beat_report)
        console.register()
