from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        from tenancy import schema  # noqa: F401  (OpenAPI extension for bearer tokens)
