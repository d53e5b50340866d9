"""The org API of ingestion: integrations (admins configure), alerts (read), maintenance windows."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents.ingestion import selectors, services
from incidents.ingestion.enums import AlertStatus, IntegrationKind
from incidents.ingestion.models import Alert, Integration, MaintenanceWindow
from incidents.ingestion.serializers import (
    AlertSerializer,
    IntegrationCreatedSerializer,
    IntegrationSerializer,
    IntegrationWriteSerializer,
    MaintenanceWindowSerializer,
    MaintenanceWindowWriteSerializer,
)
from tenancy.api_base import (
    CONFIG_ACTIONS,
    CONFIGURE,
    READ_ACTIONS,
    OrganizationScopedReadOnlyViewSet,
    OrganizationScopedServiceViewSet,
)


@extend_schema_view(
    create=extend_schema(request=IntegrationWriteSerializer, responses={201: IntegrationCreatedSerializer}),
    update=extend_schema(request=IntegrationWriteSerializer, responses=IntegrationSerializer),
    partial_update=extend_schema(request=IntegrationWriteSerializer, responses=IntegrationSerializer),
)
class IntegrationViewSet(OrganizationScopedServiceViewSet):
    """Where alerts come from. The routing key is shown once, on create and on ``rotate-key``."""

    queryset = Integration.objects.all()
    serializer_class = IntegrationSerializer
    write_serializer_class = IntegrationWriteSerializer
    required_roles = {**CONFIG_ACTIONS, "rotate_key": CONFIGURE}
    filterset_fields = ["kind", "service", "enabled"]
    ordering_fields = ["name", "created_at"]

    def get_base_queryset(self):
        return selectors.integration_list(organization=self.organization).select_related("heartbeat")

    def _created(self, integration: Integration, routing_key: str, status_code: int) -> Response:
        data = IntegrationCreatedSerializer(integration, context={"routing_key": routing_key}).data
        return Response(data, status=status_code)

    def written_response(self, obj, code=status.HTTP_200_OK, extra=None):
        if extra and "routing_key" in extra:
            return self._created(obj, extra["routing_key"], code)
        return super().written_response(obj, code)

    def service_create(self, data):
        integration, routing_key = services.integration_create(organization=self.organization, **data)
        return integration, {"routing_key": routing_key}

    def service_update(self, instance, data, partial):
        return services.integration_update(integration=instance, **data)

    def service_delete(self, instance):
        services.integration_delete(integration=instance)

    @extend_schema(request=None, responses=IntegrationCreatedSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, *args, **kwargs):
        """A new routing key (shown once); the old one stops working at once."""
        integration, routing_key = services.integration_rotate_key(integration=self.get_object())
        return self._created(integration, routing_key, status.HTTP_200_OK)


class AlertFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AlertStatus.choices)
    integration_kind = filters.ChoiceFilter(field_name="integration__kind", choices=IntegrationKind.choices)
    suppressed = filters.BooleanFilter(field_name="suppressed_by", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Alert
        fields = ["incident", "integration", "service", "dedup_key", "status", "integration_kind", "suppressed"]


class AlertViewSet(OrganizationScopedReadOnlyViewSet):
    """Every received alert, including those a maintenance window suppressed."""

    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    required_roles = READ_ACTIONS
    filterset_class = AlertFilter
    ordering_fields = ["received_at"]

    def get_base_queryset(self):
        return selectors.alert_list(organization=self.organization)


@extend_schema_view(
    create=extend_schema(request=MaintenanceWindowWriteSerializer, responses={201: MaintenanceWindowSerializer}),
    update=extend_schema(request=MaintenanceWindowWriteSerializer, responses=MaintenanceWindowSerializer),
    partial_update=extend_schema(request=MaintenanceWindowWriteSerializer, responses=MaintenanceWindowSerializer),
)
class MaintenanceWindowViewSet(OrganizationScopedServiceViewSet):
    """Per service: alerts during a window are stored and shown but open no incident and page nobody."""

    queryset = MaintenanceWindow.objects.all()
    serializer_class = MaintenanceWindowSerializer
    write_serializer_class = MaintenanceWindowWriteSerializer
    required_roles = CONFIG_ACTIONS
    filterset_fields = ["service"]
    ordering_fields = ["starts_at", "ends_at"]

    def get_base_queryset(self):
        return selectors.maintenance_window_list(organization=self.organization)

    def service_create(self, data):
        return services.maintenance_window_create(organization=self.organization, created_by=self.request.user,
                                                  **data)

    def service_update(self, instance, data, partial):
        return services.maintenance_window_update(window=instance, **data)

    def service_delete(self, instance):
        services.maintenance_window_delete(window=instance)
