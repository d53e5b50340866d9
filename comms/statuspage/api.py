"""The status page's org API (thin: every write goes through ``comms.statuspage.services``).

Routes under /api/v1/orgs/<slug>/: ``status-page/`` (the page), ``status-page/components/``,
``status-page/subscribers/`` (+ ``import/``), ``maintenances/`` (+ ``<id>/transition/``),
``vendor-feeds/``, and ``incidents/<n>/vendor-status/`` — the vendors' current status for the
incident's service, a comms-owned route (incidents cannot import comms)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from comms.statuspage import selectors
from comms.statuspage.models import Maintenance, StatusComponent, Subscriber, VendorFeed
from comms.statuspage.serializers import (
    MaintenanceSerializer,
    MaintenanceTransitionSerializer,
    StatusComponentSerializer,
    StatusPageSerializer,
    SubscriberImportSerializer,
    SubscriberSerializer,
    VendorFeedSerializer,
    VendorStatusSerializer,
)
from comms.statuspage.services import maintenance as maintenance_services
from comms.statuspage.services import page as page_services
from comms.statuspage.services import subscribers as subscriber_services
from comms.statuspage.services import vendor as vendor_services
from incidents.models import Incident
from tenancy.api_base import (
    CONFIG_ACTIONS,
    CONFIGURE,
    READ,
    OrganizationScopedAPIView,
    OrganizationScopedGenericViewSet,
    OrganizationScopedViewSet,
)


class _ServiceWrites:
    def _input(self, serializer_class=None, instance=None, partial=False) -> dict:
        serializer = (serializer_class or self.get_serializer_class())(
            instance, data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, obj, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(obj).data, status=code)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class StatusPageView(OrganizationScopedAPIView):
    """The org's public page: off until an admin enables it; ``public_url`` is where it is."""

    required_roles = {"get": READ, "put": CONFIGURE, "patch": CONFIGURE}
    serializer_class = StatusPageSerializer

    def get(self, request, *args, **kwargs):
        return Response(StatusPageSerializer(selectors.page_get(organization=self.organization)).data)

    @extend_schema(request=StatusPageSerializer, responses=StatusPageSerializer)
    def put(self, request, *args, partial=False, **kwargs):
        page = selectors.page_get(organization=self.organization)
        serializer = StatusPageSerializer(page, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        page = page_services.status_page_update(organization=self.organization, **serializer.validated_data)
        return Response(StatusPageSerializer(page).data)

    @extend_schema(request=StatusPageSerializer, responses=StatusPageSerializer)
    def patch(self, request, *args, **kwargs):
        return self.put(request, *args, partial=True, **kwargs)


class StatusComponentViewSet(_ServiceWrites, OrganizationScopedViewSet):
    """Components of the page; ``status`` is derived from the open incidents of their ``services``."""

    queryset = StatusComponent.objects.all()
    serializer_class = StatusComponentSerializer
    required_roles = CONFIG_ACTIONS

    def get_base_queryset(self):
        return StatusComponent.objects.prefetch_related("services").order_by("position", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "organization") and self.request.method == "GET":
            state = selectors.page_state(selectors.page_get(organization=self.organization))
            context["statuses"] = {c.pk: c.status for c in state.components}
        return context

    def create(self, request, *args, **kwargs):
        data = self._input()
        component = page_services.component_create(organization=self.organization, **data)
        return self._answer(component, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        component = self.get_object()
        data = self._input(instance=component, partial=partial)
        return self._answer(page_services.component_update(component=component, **data))

    def perform_destroy(self, instance):
        page_services.component_delete(component=instance)


class MaintenanceViewSet(_ServiceWrites, OrganizationScopedViewSet):
    """Scheduled maintenance; ``transition`` moves it by hand (beat moves it at its times)."""

    queryset = Maintenance.objects.all()
    serializer_class = MaintenanceSerializer
    required_roles = {**CONFIG_ACTIONS, "transition": CONFIGURE}
    filterset_fields = ["status"]

    def get_base_queryset(self):
        return Maintenance.objects.prefetch_related("components", "updates").order_by("-scheduled_for", "-id")

    def create(self, request, *args, **kwargs):
        data = self._input()
        maintenance = maintenance_services.maintenance_create(organization=self.organization,
                                                              created_by=request.user, **data)
        return self._answer(maintenance, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        maintenance = self.get_object()
        data = self._input(instance=maintenance, partial=partial)
        return self._answer(maintenance_services.maintenance_update(maintenance=maintenance, **data))

    def perform_destroy(self, instance):
        maintenance_services.maintenance_delete(maintenance=instance)

    @extend_schema(request=MaintenanceTransitionSerializer, responses=MaintenanceSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        maintenance = self.get_object()
        data = self._input(MaintenanceTransitionSerializer)
        moved = maintenance_services.maintenance_transition(maintenance=maintenance, **data)
        return self._answer(Maintenance.objects.prefetch_related("components", "updates").get(pk=moved.pk))


class SubscriberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                        OrganizationScopedGenericViewSet):
    """The page's subscribers (admins only: addresses are personal data). ``import`` adds
    pre-confirmed addresses with the reason recorded."""

    queryset = Subscriber.objects.all()
    serializer_class = SubscriberSerializer
    required_roles = {"list": CONFIGURE, "retrieve": CONFIGURE, "destroy": CONFIGURE, "import_": CONFIGURE,
                      "metadata": CONFIGURE}
    filterset_fields = ["email"]

    def get_base_queryset(self):
        return Subscriber.objects.prefetch_related("components").order_by("email")

    def perform_destroy(self, instance):
        subscriber_services.subscriber_unsubscribe(subscriber=instance)

    @extend_schema(request=SubscriberImportSerializer, responses={201: None})
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_(self, request, *args, **kwargs):
        serializer = SubscriberImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counts = subscriber_services.subscribers_import(organization=self.organization, imported_by=request.user,
                                                        **serializer.validated_data)
        return Response(counts, status=status.HTTP_201_CREATED)


class VendorFeedViewSet(_ServiceWrites, OrganizationScopedViewSet):
    """Vendors' Statuspage ``summary.json`` feeds and the services that depend on them."""

    queryset = VendorFeed.objects.all()
    serializer_class = VendorFeedSerializer
    required_roles = CONFIG_ACTIONS

    def get_base_queryset(self):
        return VendorFeed.objects.prefetch_related("services").order_by("name", "id")

    def create(self, request, *args, **kwargs):
        feed = vendor_services.vendor_feed_create(organization=self.organization, **self._input())
        return self._answer(feed, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        feed = self.get_object()
        data = self._input(instance=feed, partial=partial)
        return self._answer(vendor_services.vendor_feed_update(feed=feed, **data))

    def perform_destroy(self, instance):
        vendor_services.vendor_feed_delete(feed=instance)


class IncidentVendorStatusView(OrganizationScopedAPIView):
    """The current status of the vendors the incident's service depends on."""

    required_roles = {"get": READ}

    @extend_schema(responses=VendorStatusSerializer(many=True))
    def get(self, request, *args, number: int, **kwargs):
        incident = Incident.objects.filter(organization=self.organization, number=number).first()
        if incident is None:
            raise Http404("No such incident.")
        feeds = selectors.vendor_feeds_for_service(organization=self.organization, service_id=incident.service_id)
        return Response(VendorStatusSerializer(feeds, many=True).data)
