"""The tenancy wall for the REST API. Every org-scoped endpoint inherits from here.

- ``OrganizationScopedMixin`` resolves the org from ``<org_slug>`` once, checks the caller's
  membership (unknown org, non-member or a token of another org → 404) and their role for
  the action, and scopes the queryset. The hooks that do this (``PROTECTED_HOOKS``) are
  checked over the whole MRO when a class is created: a subclass, or a mixin listed before
  the base, that overrides one is a ``TypeError`` at import. Subclasses implement
  ``get_base_queryset``; a deliberate bypass is named ``dangerously_get_queryset`` so
  review sees it.
- ``required_roles`` must list every action a route maps: checked when the URL conf builds
  the view (``as_view``), so a gap fails at import, never as a 500 at request time. A method
  the view has no handler for is a 405 with ``Allow``.
- ``ParentLookup``: nested routes (``incidents/<number>/…``, ``schedules/<schedule_pk>/…``)
  declare their parent; the base fetches it within the org (404 otherwise), exposes it as
  ``self.parent`` (and under its name) and filters the queryset by it.
- ``ServiceWritesMixin``: the one way a viewset writes: create/update/destroy validate the
  input serializer and call the viewset's ``service_create``/``service_update``/
  ``service_delete``, which call the app's services.
- ``OrgRelatedField`` / ``OrgMemberField`` only accept objects of the URL's organization.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from tenancy.enums import Role
from tenancy.models import ApiToken, Membership, Organization

READ = Role.VIEWER
INCIDENT_WORK = Role.RESPONDER
CONFIGURE = Role.ADMIN

# Read-only and write sets most viewsets use.
READ_ACTIONS = {"list": READ, "retrieve": READ, "metadata": READ}
CONFIG_ACTIONS = {**READ_ACTIONS, "create": CONFIGURE, "update": CONFIGURE, "partial_update": CONFIGURE,
                  "destroy": CONFIGURE}
WORK_ACTIONS = {**READ_ACTIONS, "create": INCIDENT_WORK, "update": INCIDENT_WORK, "partial_update": INCIDENT_WORK,
                "destroy": INCIDENT_WORK}

# Resolved once on the base; nothing below it in the MRO may replace them.
PROTECTED_HOOKS = ("initial", "get_queryset", "get_object", "get_permissions", "check_permissions",
                   "check_object_permissions", "check_role", "resolve_parent")
# Actions that need no entry in required_roles: OPTIONS describes the route, HEAD is GET's.
IMPLICIT_ACTIONS = frozenset({"metadata", "options", "head"})


def resolve_membership(request, org_slug: str) -> tuple[Organization, Membership]:
    """The org of the URL and the caller's membership in it, or 404 without saying which."""
    not_found = exceptions.NotFound("Organization not found.")
    membership = (
        Membership.objects.select_related("organization")
        .filter(organization__slug=org_slug, user_id=request.user.pk)
        .first()
    )
    if membership is None:
        raise not_found
    token = request.auth
    if isinstance(token, ApiToken) and token.organization_id != membership.organization_id:
        raise not_found
    return membership.organization, membership


@dataclass(frozen=True)
class ParentLookup:
    """The parent object of a nested route, fetched within the URL's organization.

    ``ParentLookup("number", Incident, field="number", name="incident")`` reads
    ``kwargs["number"]``, fetches ``Incident(organization=<org>, number=…)`` or answers 404,
    sets ``view.parent`` and ``view.incident``, and filters the child queryset by
    ``child_field`` (default: ``name``; ``None`` for views without a child queryset).
    """

    url_kwarg: str
    model: type[Model]
    field: str = "pk"
    name: str = "parent"
    child_field: str | None = "__name__"
    select_related: tuple[str, ...] = ()
    queryset: Callable[[Organization], QuerySet] | None = None

    @property
    def filter_field(self) -> str | None:
        return self.name if self.child_field == "__name__" else self.child_field

    def fetch(self, organization: Organization, kwargs: dict) -> Model:
        queryset = self.queryset(organization) if self.queryset else self.model.objects.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        value = kwargs.get(self.url_kwarg)
        found = queryset.filter(organization=organization, **{self.field: value}).first() if value else None
        if found is None:
            raise exceptions.NotFound(f"No such {self.model._meta.verbose_name}.")
        return found


def _owner_of(cls, name: str):
    return next((klass for klass in cls.__mro__ if name in klass.__dict__), None)


class OrganizationScopedMixin:
    required_roles: dict[str, str] = {}
    organization_field = "organization"
    parent_lookup: ParentLookup | None = None

    organization: Organization
    membership: Membership
    parent: Model

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in PROTECTED_HOOKS:
            owner = _owner_of(cls, name)
            if owner is not None and owner is not OrganizationScopedMixin:
                raise TypeError(
                    f"{cls.__name__} inherits {name} from {owner.__name__}, which replaces the tenancy base's. "
                    "Implement get_base_queryset (queryset), parent_lookup (nested routes) or a role map instead; "
                    f"a deliberate bypass is named dangerously_{name}."
                )

    # --- roles, checked when the URL conf builds the view ------------------------------------

    @classmethod
    def handled_actions(cls, actions: dict | None = None) -> set[str]:
        """The actions a route of this view can run: the viewset's action map, or the APIView's handlers."""
        if actions is not None:
            return {action for method, action in actions.items() if method in cls.http_method_names} - IMPLICIT_ACTIONS
        return {method for method in cls.http_method_names if hasattr(cls, method)} - IMPLICIT_ACTIONS

    @classmethod
    def check_required_roles(cls, actions: dict | None = None) -> None:
        missing = sorted(cls.handled_actions(actions) - set(cls.required_roles))
        if missing:
            raise ImproperlyConfigured(f"{cls.__name__}.required_roles does not list {', '.join(missing)}.")

    # --- the request -------------------------------------------------------------------------

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.organization, self.membership = resolve_membership(request, kwargs["org_slug"])
        if self._handler_missing(request):
            raise exceptions.MethodNotAllowed(request.method)
        self.check_role(self.current_action())
        self.resolve_parent(kwargs)

    def _handler_missing(self, request) -> bool:
        method = request.method.lower()
        return method not in self.http_method_names or not hasattr(self, method)

    def current_action(self) -> str:
        action = getattr(self, "action", None) or self.request.method.lower()
        return "get" if action == "head" else action

    def check_role(self, action: str) -> None:
        if action in IMPLICIT_ACTIONS:
            return
        if action not in self.required_roles:
            # Unreachable for routed views (``as_view`` checks); kept so a hand-built view fails closed.
            raise exceptions.PermissionDenied("This action has no role requirement configured.")
        required = self.required_roles[action]
        if not Role.at_least(self.membership.role, required):
            raise exceptions.PermissionDenied(f"This needs the {Role(required).label.lower()} role or higher.")

    def resolve_parent(self, kwargs: dict) -> None:
        lookup = self.parent_lookup
        if lookup is None:
            return
        self.parent = lookup.fetch(self.organization, kwargs)
        setattr(self, lookup.name, self.parent)

    def has_role(self, role: str) -> bool:
        return Role.at_least(self.membership.role, role)

    # --- the queryset ------------------------------------------------------------------------

    def get_base_queryset(self) -> QuerySet:
        return self.queryset.all()

    def get_queryset(self) -> QuerySet:
        if hasattr(self, "dangerously_get_queryset"):
            return self.dangerously_get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no organization
            return self.queryset.none()
        queryset = self.get_base_queryset().filter(**{self.organization_field: self.organization})
        lookup = self.parent_lookup
        if lookup is not None and lookup.filter_field:
            queryset = queryset.filter(**{lookup.filter_field: self.parent})
        return queryset

    def get_object(self):
        return super().get_object()

    def get_permissions(self):
        return super().get_permissions()

    def check_permissions(self, request):
        super().check_permissions(request)

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "organization"):
            context["organization"] = self.organization
            context["membership"] = self.membership
        return context


class _RoutedViewSetMixin:
    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        cls.check_required_roles(actions)
        return super().as_view(actions, **initkwargs)


class OrganizationScopedViewSet(_RoutedViewSetMixin, OrganizationScopedMixin, viewsets.ModelViewSet):
    """CRUD on a tenant-owned model; create sets the org from the URL, never the body.

    Prefer ``ServiceWritesMixin`` (writes through services); this one's default writes call
    ``ModelSerializer.save()`` and stay only for code written against it before."""

    def perform_create(self, serializer):
        serializer.save(organization=self.organization)


class OrganizationScopedReadOnlyViewSet(_RoutedViewSetMixin, OrganizationScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class OrganizationScopedGenericViewSet(_RoutedViewSetMixin, OrganizationScopedMixin, viewsets.GenericViewSet):
    pass


class OrganizationScopedAPIView(OrganizationScopedMixin, APIView):
    """A plain view under /orgs/<slug>/ (roles keyed by HTTP method: get, post…)."""

    @classmethod
    def as_view(cls, **initkwargs):
        cls.check_required_roles()
        return super().as_view(**initkwargs)


# --- writes through services -------------------------------------------------------------------

class _ServiceWriteBase:
    """Shared by the service write mixins: the input serializer and the answer."""

    write_serializer_class: type[serializers.Serializer] | None = None

    def get_write_serializer_class(self):
        return self.write_serializer_class or self.get_serializer_class()

    def validated_input(self, instance=None, partial=False, data=None) -> dict:
        """The request body validated by the write serializer (a 400 naming the field otherwise)."""
        serializer_class = self.get_write_serializer_class()
        serializer = serializer_class(instance, data=self.request.data if data is None else data, partial=partial,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def written_response(self, obj, code: int = status.HTTP_200_OK, extra: dict | None = None) -> Response:
        """The answer to a write: the output serializer of the object the service returned."""
        data = self.get_serializer(obj).data
        return Response({**data, **(extra or {})}, status=code)


class ServiceCreateMixin(_ServiceWriteBase):
    def service_create(self, data: dict):
        """Call the app's ``<entity>_create`` service and return the object (or ``(object, extra)``)."""
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        result = self.service_create(self.validated_input())
        obj, extra = result if isinstance(result, tuple) else (result, None)
        return self.written_response(obj, status.HTTP_201_CREATED, extra)


class ServiceUpdateMixin(_ServiceWriteBase):
    def service_update(self, instance, data: dict, partial: bool):
        """Call the app's ``<entity>_update`` service with the validated fields and return the object."""
        raise NotImplementedError

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        obj = self.service_update(instance, self.validated_input(instance, partial=partial), partial)
        return self.written_response(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class ServiceDestroyMixin:
    def service_delete(self, instance) -> None:
        """Call the app's ``<entity>_delete`` service (it refuses with an ``ApplicationError`` when in use)."""
        raise NotImplementedError

    def destroy(self, request, *args, **kwargs):
        self.service_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceWritesMixin(ServiceCreateMixin, ServiceUpdateMixin, ServiceDestroyMixin):
    """The one write idiom: list it before the tenancy base and implement ``service_create``,
    ``service_update`` and ``service_delete`` (or use the single mixins for fewer writes)."""


class OrganizationScopedServiceViewSet(ServiceWritesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                       OrganizationScopedGenericViewSet):
    """List, retrieve, and create/update/destroy through services."""


# --- serializer fields -------------------------------------------------------------------------

class OrgRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts objects of the request's organization."""

    def __init__(self, *args, organization_field: str = "organization", **kwargs):
        self.organization_field = organization_field
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        organization = self.context.get("organization")
        if organization is None:
            return queryset.none()
        return queryset.filter(**{self.organization_field: organization})


class OrgMemberField(serializers.PrimaryKeyRelatedField):
    """A user id that must belong to a member of the request's organization."""

    default_error_messages = {"does_not_exist": "User {pk_value} is not a member of this organization."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", get_user_model().objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        organization = self.context.get("organization")
        if organization is None:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(memberships__organization=organization)


__all__ = [
    "CONFIGURE",
    "CONFIG_ACTIONS",
    "INCIDENT_WORK",
    "PROTECTED_HOOKS",
    "READ",
    "READ_ACTIONS",
    "WORK_ACTIONS",
    "OrgMemberField",
    "OrgRelatedField",
    "OrganizationScopedAPIView",
    "OrganizationScopedGenericViewSet",
    "OrganizationScopedMixin",
    "OrganizationScopedReadOnlyViewSet",
    "OrganizationScopedServiceViewSet",
    "OrganizationScopedViewSet",
    "ParentLookup",
    "ServiceCreateMixin",
    "ServiceDestroyMixin",
    "ServiceUpdateMixin",
    "ServiceWritesMixin",
]
