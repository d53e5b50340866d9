from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Post-mortems"

    def ready(self):
        from django.contrib import admin

        from incidents import events, guards
        from postmortems import handlers
        from postmortems.services import postmortem

        events.register("postmortems.open", handlers.on_timeline_event, kinds=handlers.KINDS)
        guards.register_close_guard(postmortem.close_guard)
        # The admin's index is leadership's dashboard (postmortems.dashboard fills it).
        admin.site.index_template = "console/dashboard.html"
