from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"

    def ready(self):
        from django.contrib import admin

        # The admin's index is leadership's dashboard (postmortems.dashboard fills it).
        admin.site.index_template = "console/dashboard.html"
