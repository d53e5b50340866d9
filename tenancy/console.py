"""The admin console's navigation: every registered admin page, grouped by the plan's phases.

Built from the admin registry (not a hand list), so a new model's admin appears by itself in its
app's group; a ModelAdmin may set ``console_group`` to sit elsewhere. Only pages the user may view
are listed, so a viewer or a staff member of another org never sees a link they cannot open."""

from django.contrib import admin
from django.urls import reverse

ON_CALL = "On-call"
INCIDENTS = "Incidents"
COMMUNICATIONS = "Communications"
LEARNING = "Post-mortems & learning"
ORGANIZATION = "Organization"

GROUPS = [ON_CALL, INCIDENTS, COMMUNICATIONS, LEARNING, ORGANIZATION]
GROUP_OF_APP = {
    "oncall": ON_CALL,
    "incidents": INCIDENTS,
    "ingestion": INCIDENTS,
    "comms": COMMUNICATIONS,
    "statuspage": COMMUNICATIONS,
    "chatops": COMMUNICATIONS,
    "postmortems": LEARNING,
    "tenancy": ORGANIZATION,
}
ICONS = {ON_CALL: "schedule", INCIDENTS: "crisis_alert", COMMUNICATIONS: "campaign", LEARNING: "school",
         ORGANIZATION: "apartment"}


def _group_of(model, model_admin) -> str | None:
    return getattr(model_admin, "console_group", None) or GROUP_OF_APP.get(model._meta.app_label)


def sidebar_navigation(request) -> list[dict]:
    """Unfold's SIDEBAR navigation for this request: a dashboard link, then one group per phase."""
    groups: dict[str, list[dict]] = {name: [] for name in GROUPS}
    for model, model_admin in admin.site._registry.items():
        group = _group_of(model, model_admin)
        if group is None or not model_admin.has_view_permission(request):
            continue
        meta = model._meta
        groups[group].append({
            "title": str(meta.verbose_name_plural).capitalize(),
            "icon": getattr(model_admin, "console_icon", ICONS[group]),
            "link": reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            "order": getattr(model_admin, "console_order", 100),
        })
    navigation = [{"title": "Overview", "items": [
        {"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")}]}]
    for name in GROUPS:
        items = sorted(groups[name], key=lambda item: (item.pop("order"), item["title"]))
        if items:
            navigation.append({"title": name, "collapsible": True, "items": items})
    return navigation
