from django.apps import AppConfig


class IngestionConfig(AppConfig):
    """Alert ingestion (integrations, alerts, maintenance windows): part of the incidents layer,
    its own app so its models and migrations stand apart from the incident core."""

    name = "incidents.ingestion"
    label = "ingestion"
