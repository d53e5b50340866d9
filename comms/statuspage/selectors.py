"""Every read of the status page: the org-scoped lists of the API, and ``page_state`` — one bounded set
of queries from which the HTML page, the Statuspage-compatible JSON and the feeds are all drawn.

What the public sees: non-drill incidents with at least one public ``StatusUpdate`` (named by that
update's title, never the internal title), their public updates, and maintenances. Component status
is derived from every open non-drill incident of its services (posted or not): customers see that
something is degraded before the first words are posted."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from comms.enums import Audience
from comms.models import StatusUpdate
from comms.statuspage.enums import (
    ACTIVE_MAINTENANCE,
    COMPONENT_STATUS_RANK,
    INDICATOR_RANK,
    ComponentStatus,
    Impact,
    Indicator,
    MaintenanceStatus,
)
from comms.statuspage.models import (
    Maintenance,
    MaintenanceUpdate,
    StatusComponent,
    StatusPage,
    Subscriber,
    VendorFeed,
)
from incidents.enums import OPEN_STATUSES, TimelineKind
from incidents.models import Incident, TimelineEvent
from tenancy.models import Organization

CS = ComponentStatus
# Severity rank → what an open incident does to its components, and its public impact.
RANK_STATUS = {0: CS.MAJOR_OUTAGE, 1: CS.PARTIAL_OUTAGE, 2: CS.DEGRADED_PERFORMANCE}
RANK_IMPACT = {0: Impact.CRITICAL, 1: Impact.MAJOR, 2: Impact.MINOR}
STATUS_INDICATOR = {CS.MAJOR_OUTAGE: Indicator.CRITICAL, CS.PARTIAL_OUTAGE: Indicator.MAJOR,
                    CS.DEGRADED_PERFORMANCE: Indicator.MINOR}
IMPACT_INDICATOR = {Impact.CRITICAL: Indicator.CRITICAL, Impact.MAJOR: Indicator.MAJOR, Impact.MINOR: Indicator.MINOR}
RECENT_LIMIT = 50


def incident_public_id(incident_id: int) -> str:
    """A stable opaque id for an incident on public surfaces: not its number nor its database id
    (both reveal how many incidents an org has). Derived from SECRET_KEY: rotating it changes them."""
    return salted_hmac("foghorn.statuspage.incident", str(incident_id)).hexdigest()[:12]


# --- the org API's lists ------------------------------------------------------------------------------

def page_get(*, organization: Organization) -> StatusPage:
    """The org's page, or an unsaved disabled one with the defaults."""
    return StatusPage.objects.filter(organization=organization).first() or StatusPage(organization=organization)


def component_list(*, organization: Organization) -> QuerySet[StatusComponent]:
    return StatusComponent.objects.filter(organization=organization).prefetch_related("services").order_by(
        "position", "id")


def maintenance_list(*, organization: Organization) -> QuerySet[Maintenance]:
    return Maintenance.objects.filter(organization=organization).prefetch_related("components", "updates")


def subscriber_list(*, organization: Organization) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(organization=organization).prefetch_related("components")


def vendor_feed_list(*, organization: Organization) -> QuerySet[VendorFeed]:
    return VendorFeed.objects.filter(organization=organization).prefetch_related("services")


def vendor_feeds_for_service(*, organization: Organization, service_id: int | None) -> QuerySet[VendorFeed]:
    if service_id is None:
        return VendorFeed.objects.none()
    return vendor_feed_list(organization=organization).filter(services__id=service_id).distinct()


def enabled_page(org_slug: str) -> StatusPage | None:
    """The enabled page of the org with this slug; None for an unknown org or a disabled page alike."""
    return StatusPage.objects.select_related("organization").filter(organization__slug=org_slug,
                                                                    enabled=True).first()


# --- the public state ----------------------------------------------------------------------------------

@dataclass
class PublicIncident:
    incident: Incident
    public_id: str
    updates: list  # public StatusUpdates, newest first
    impact: str
    components: list  # StatusComponent
    postmortem: bool

    @property
    def name(self) -> str:
        return self.updates[0].title if self.updates else ""

    @property
    def is_open(self) -> bool:
        return self.incident.status in OPEN_STATUSES


@dataclass
class PageState:
    page: StatusPage
    now: datetime
    components: list  # StatusComponent with .status and .child_ids set
    incidents: list  # PublicIncident, newest first (open ones and the recent past)
    maintenances: list  # Maintenance with .recent_updates, newest first
    uptime: dict = field(default_factory=dict)  # component id → list of (date, status)

    @property
    def indicator(self) -> str:
        worst = Indicator.NONE
        candidates = [STATUS_INDICATOR.get(c.status, Indicator.NONE) for c in self.components]
        candidates += [IMPACT_INDICATOR.get(i.impact, Indicator.NONE) for i in self.incidents if i.is_open]
        for candidate in candidates:
            if INDICATOR_RANK[candidate] > INDICATOR_RANK[worst]:
                worst = candidate
        return worst

    @property
    def updated_at(self) -> datetime:
        times = [self.page.updated_at] + [c.updated_at for c in self.components]
        times += [u.posted_at for i in self.incidents for u in i.updates[:1]]
        times += [m.updated_at for m in self.maintenances]
        return max(t for t in times if t is not None)

    def recent_incidents(self) -> list:
        """The last 50 public incidents, whatever the page's history days (``incidents.json``)."""
        return [_public(incident, self.components)
                for incident in public_incidents(organization=self.page.organization)]

    def unresolved(self) -> list:
        return [i for i in self.incidents if i.is_open]

    def upcoming(self) -> list:
        return [m for m in self.maintenances if m.status == MaintenanceStatus.SCHEDULED]

    def active(self) -> list:
        return [m for m in self.maintenances if m.status in ACTIVE_MAINTENANCE]

    def visible_components(self) -> list:
        return [c for c in self.components
                if not c.only_show_if_degraded or c.status != CS.OPERATIONAL]


def _worst(statuses) -> str:
    return max(statuses, key=lambda s: COMPONENT_STATUS_RANK[s], default=CS.OPERATIONAL)


def _incident_status(incident: Incident) -> str:
    return RANK_STATUS.get(incident.severity.rank, CS.OPERATIONAL)


def derive_statuses(components: list, open_incidents: list, active_maintenances: list) -> None:
    """Set ``.status`` on each component: its override, else the worst of its services' open incidents
    (P0 major outage, P1 partial outage, P2 degraded, P3 nothing) and its active maintenances; a group
    shows the worst of its children."""
    by_service = defaultdict(list)
    for incident in open_incidents:
        by_service[incident.service_id].append(_incident_status(incident))
    in_maintenance = {c.pk for m in active_maintenances for c in m.components.all()}
    children = defaultdict(list)
    for component in components:
        if component.group_id:
            children[component.group_id].append(component)
    for component in components:
        found = [s for service in component.services.all() for s in by_service.get(service.pk, [])]
        if component.pk in in_maintenance:
            found.append(CS.UNDER_MAINTENANCE)
        component.derived_status = _worst(found)
    for component in components:
        component.child_ids = [child.public_id for child in children.get(component.pk, [])]
        own = component.derived_status
        if children.get(component.pk):
            own = _worst([own] + [child.status_override or child.derived_status for child in children[component.pk]])
        component.status = component.status_override or own
        component.status_label = CS(component.status).label


def _public_updates() -> Prefetch:
    return Prefetch("status_updates", to_attr="public_updates",
                    queryset=StatusUpdate.objects.filter(audience=Audience.PUBLIC).order_by("-posted_at", "-id"))


def public_incidents(*, organization: Organization, since: datetime | None = None,
                     limit: int = RECENT_LIMIT) -> QuerySet[Incident]:
    """Non-drill incidents with a public update: open ones, and the others detected since ``since``."""
    posted = StatusUpdate.objects.filter(incident=OuterRef("pk"), audience=Audience.PUBLIC)
    published = TimelineEvent.objects.filter(incident=OuterRef("pk"), kind=TimelineKind.POSTMORTEM_PUBLISHED)
    queryset = (Incident.objects.filter(organization=organization, is_drill=False).filter(Exists(posted))
                .select_related("severity").annotate(postmortem_published=Exists(published))
                .prefetch_related(_public_updates()).order_by("-detected_at", "-id"))
    if since is not None:
        queryset = queryset.filter(Q(status__in=OPEN_STATUSES) | Q(detected_at__gte=since))
    return queryset[:limit]


def _public(incident: Incident, components: list) -> PublicIncident:
    touched = [c for c in components if any(s.pk == incident.service_id for s in c.services.all())]
    return PublicIncident(incident=incident, public_id=incident_public_id(incident.pk),
                          updates=list(incident.public_updates),
                          impact=RANK_IMPACT.get(incident.severity.rank, Impact.NONE), components=touched,
                          postmortem=bool(getattr(incident, "postmortem_published", False)))


def _uptime(page: StatusPage, components: list, now: datetime) -> dict:
    """Per component, one (day, worst status) per day of the page's history, oldest first, from the
    non-drill incidents of its services (posted or not)."""
    start = (now - timedelta(days=page.history_days - 1)).date()
    service_ids = {s.pk for c in components for s in c.services.all()}
    incidents = (Incident.objects.filter(organization_id=page.organization_id, is_drill=False,
                                         service_id__in=service_ids, detected_at__date__lte=now.date())
                 .exclude(resolved_at__date__lt=start).select_related("severity")
                 .only("service_id", "detected_at", "resolved_at", "severity__rank"))
    days_by_service: dict = defaultdict(dict)
    for incident in incidents:
        status = _incident_status(incident)
        first = max(incident.detected_at.date(), start)
        last = (incident.resolved_at or now).date()
        day = first
        while day <= last:
            seen = days_by_service[incident.service_id].get(day, CS.OPERATIONAL)
            days_by_service[incident.service_id][day] = _worst([seen, status])
            day += timedelta(days=1)
    days = [start + timedelta(days=n) for n in range(page.history_days)]
    services_of = {c.pk: [s.pk for s in c.services.all()] for c in components}
    for component in components:
        if component.group_id in services_of:  # a group's bar covers its children's services too
            services_of[component.group_id] += services_of[component.pk]
    return {pk: [(day, _worst([days_by_service[s].get(day, CS.OPERATIONAL) for s in service_ids]))
                 for day in days] for pk, service_ids in services_of.items()}


def page_state(page: StatusPage, *, now: datetime | None = None, with_uptime: bool = False) -> PageState:
    """Everything public about ``page`` now, in a fixed number of queries."""
    now = now or timezone.now()
    organization = page.organization
    components = list(component_list(organization=organization))
    service_ids = {s.pk for c in components for s in c.services.all()}
    open_incidents = list(Incident.objects.filter(organization=organization, is_drill=False,
                                                  status__in=OPEN_STATUSES, service_id__in=service_ids)
                          .select_related("severity").only("service_id", "severity__rank"))
    maintenances = list(Maintenance.objects.filter(organization=organization).filter(
        scheduled_until__gte=now - timedelta(days=page.history_days)).prefetch_related(
        "components", Prefetch("updates", to_attr="recent_updates",
                               queryset=_maintenance_updates())).order_by("-scheduled_for", "-id")[:RECENT_LIMIT])
    derive_statuses(components, open_incidents, [m for m in maintenances if m.status in ACTIVE_MAINTENANCE])
    since = now - timedelta(days=page.history_days)
    incidents = [_public(incident, components) for incident in public_incidents(organization=organization, since=since)]
    state = PageState(page=page, now=now, components=components, incidents=incidents, maintenances=maintenances)
    if with_uptime:
        state.uptime = _uptime(page, components, now)
    return state


def _maintenance_updates():
    return MaintenanceUpdate.objects.order_by("-created_at", "-id")


def uptime_percent(days: list[tuple[date, str]]) -> float:
    """Share of days without a partial or major outage, in percent."""
    if not days:
        return 100.0
    bad = sum(1 for _day, status in days if status in (CS.PARTIAL_OUTAGE, CS.MAJOR_OUTAGE))
    return round(100.0 * (len(days) - bad) / len(days), 2)


def incident_components(incident: Incident) -> list[StatusComponent]:
    """The components an incident's service stands behind."""
    if incident.service_id is None:
        return []
    return list(StatusComponent.objects.filter(organization_id=incident.organization_id,
                                               services__id=incident.service_id).distinct())
