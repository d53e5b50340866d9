from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents.defaults import organization_defaults_create
        from tenancy.services import ORGANIZATION_CREATED_HOOKS

        if organization_defaults_create not in ORGANIZATION_CREATED_HOOKS:
            ORGANIZATION_CREATED_HOOKS.append(organization_defaults_create)
