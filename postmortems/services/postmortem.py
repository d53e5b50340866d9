"""Post-mortems: opened when a P0/P1 incident resolves (or on request), written, published or waived."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from incidents import services as incident_services
from incidents.enums import TimelineKind
from incidents.models import Incident, Participant
from oncall.models import ResponderGroup
from postmortems import importing
from postmortems.enums import POSTMORTEM_MOVES, EntrySource, PostMortemStatus
from postmortems.models import PostMortem, TimelineEntry, Why
from postmortems.services.common import require_admin, require_member, require_same_org, unknown_fields
from tenancy.errors import ApplicationError, ConflictError
from tenancy.models import User

logger = logging.getLogger(__name__)
DUE_AFTER = timedelta(hours=48)  # plan 7.1: within 48 hours of resolution
# Severities of this rank or more severe get a post-mortem on resolution, and need it to close.
REQUIRED_UP_TO_RANK = 1
MAX_WHYS = 10

EDITABLE = {"summary", "root_cause", "root_cause_category", "users_affected", "revenue_lost", "revenue_currency",
            "applications_missed", "other_impact", "went_well", "went_poorly", "lessons", "owner", "attendees",
            "status", "due_at", "impact_started_at"}


def requires_postmortem(incident: Incident) -> bool:
    return incident.severity.rank <= REQUIRED_UP_TO_RANK


def suggested_attendees(incident: Incident) -> list[User]:
    """The commander, the war-room participants, the org's CTO group, and for the most severe level its CEO group."""
    people: dict[int, User] = {}
    if incident.commander_id:
        people[incident.commander_id] = incident.commander
    for participant in Participant.objects.filter(incident=incident).select_related("user"):
        people.setdefault(participant.user_id, participant.user)
    group_names = ["CTO"] + (["CEO"] if incident.severity.rank == 0 else [])
    for group in ResponderGroup.objects.filter(organization_id=incident.organization_id,
                                               name__iregex=r"^(" + "|".join(group_names) + r")$"):
        for user in group.members.all():
            people.setdefault(user.pk, user)
    return list(people.values())


def _import_timeline(postmortem: PostMortem) -> int:
    entries = [TimelineEntry(organization_id=postmortem.organization_id, postmortem=postmortem, at=at, text=text,
                             source=EntrySource.IMPORTED, timeline_event_id=event_id)
               for at, text, event_id in importing.imported_lines(postmortem.incident)]
    TimelineEntry.objects.bulk_create(entries)
    return len(entries)


@transaction.atomic
def postmortem_open(*, incident: Incident, actor: User | None = None) -> PostMortem:
    """Open the incident's post-mortem, due 48 h after resolution (or after now for an incident not yet
    resolved), owned by the commander, with suggested attendees and the incident's timeline imported.
    Idempotent: the incident row is locked and the one-per-incident constraint holds, so a re-dispatched
    event or a second request returns the existing one."""
    existing = PostMortem.objects.filter(incident_id=incident.pk).first()
    if existing is not None:
        return existing
    incident = incident_services.incident_lock(incident)
    existing = PostMortem.objects.filter(incident_id=incident.pk).first()
    if existing is not None:
        return existing
    postmortem = PostMortem.objects.create(
        organization_id=incident.organization_id, incident=incident, owner=incident.commander,
        due_at=(incident.resolved_at or timezone.now()) + DUE_AFTER, root_cause=incident.root_cause,
        root_cause_category=incident.root_cause_category, summary=incident.customer_impact,
    )
    postmortem.attendees.set(suggested_attendees(incident))
    imported = _import_timeline(postmortem)
    incident_services.timeline_event_record(
        incident=incident, kind=TimelineKind.POSTMORTEM_CREATED, actor=actor,
        payload={"postmortem_id": postmortem.pk, "due_at": postmortem.due_at,
                 "owner": incident_services.person(postmortem.owner), "timeline_entries": imported})
    logger.info("post-mortem opened", extra={"postmortem_id": postmortem.pk, "incident_id": incident.pk})
    return postmortem


def on_resolved(event) -> None:
    """Outbox handler (``resolved``): P0/P1 incidents get their post-mortem."""
    incident = Incident.objects.select_related("severity", "commander").get(pk=event.incident_id)
    if requires_postmortem(incident):
        postmortem_open(incident=incident)


def close_guard(incident: Incident) -> str | None:
    """Registered with ``incidents.guards``: a P0/P1 closes only with its post-mortem published or waived."""
    if not requires_postmortem(incident):
        return None
    postmortem = PostMortem.objects.filter(incident_id=incident.pk).first()
    if postmortem is None:
        return (f"A {incident.severity.name} incident needs a published post-mortem (or an admin's waiver) to "
                "close, and it has none yet.")
    if postmortem.status == PostMortemStatus.PUBLISHED or postmortem.waived_at is not None:
        return None
    return (f"Its post-mortem is {postmortem.get_status_display().lower()}: publish it, or an admin waives it "
            "with a reason.")


def _move(postmortem: PostMortem, status: str, actor: User | None, now: datetime) -> None:
    if status == postmortem.status:
        return
    if status not in POSTMORTEM_MOVES.get(postmortem.status, ()):
        allowed = ", ".join(POSTMORTEM_MOVES.get(postmortem.status, ()))
        raise ConflictError(f"A post-mortem cannot move from {postmortem.status} to {status}.",
                            {"status": [f"Allowed from {postmortem.status}: {allowed}."]})
    postmortem.status = status
    if status == PostMortemStatus.PUBLISHED:
        postmortem.published_at = now
        incident_services.timeline_event_record(
            incident=postmortem.incident, kind=TimelineKind.POSTMORTEM_PUBLISHED, actor=actor, at=now,
            payload={"postmortem_id": postmortem.pk})


def _check_changes(postmortem: PostMortem, changes: dict) -> None:
    unknown_fields(changes, EDITABLE)
    org_id = postmortem.organization_id
    require_same_org(org_id, changes.get("root_cause_category"), "root_cause_category")
    require_member(org_id, changes.get("owner"), "owner")
    for user in changes.get("attendees") or []:
        require_member(org_id, user, "attendees")
    if "status" in changes and changes["status"] not in PostMortemStatus.values:
        raise ApplicationError("Unknown status.", {"status": [f"Choose one of: {', '.join(PostMortemStatus.values)}."]})


@transaction.atomic
def postmortem_update(*, postmortem: PostMortem, actor: User | None = None, **changes) -> PostMortem:
    """Edit the content, owner, attendees, due time or status (draft → in review → published). Publishing
    writes ``postmortem_published`` on the incident's timeline; ``impact_started_at`` is the incident's."""
    _check_changes(postmortem, changes)
    postmortem = PostMortem.objects.select_for_update(of=("self",)).select_related("incident").get(pk=postmortem.pk)
    if "impact_started_at" in changes:
        incident_services.incident_update_details(incident=postmortem.incident, actor=actor,
                                                  impact_started_at=changes.pop("impact_started_at"))
    attendees = changes.pop("attendees", None)
    status = changes.pop("status", None)
    for name, value in changes.items():
        setattr(postmortem, name, value)
    if status is not None:
        _move(postmortem, status, actor, timezone.now())
    postmortem.full_clean(exclude=["incident", "organization", "owner", "root_cause_category", "waived_by"])
    postmortem.save()
    if attendees is not None:
        postmortem.attendees.set(attendees)
    return postmortem


@transaction.atomic
def postmortem_waive(*, postmortem: PostMortem, actor: User, reason: str) -> PostMortem:
    """An admin lets the incident close without a published post-mortem; the reason goes on the timeline."""
    require_admin(postmortem.organization_id, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("A reason is required to waive a post-mortem.", {"reason": ["This field is required."]})
    postmortem = PostMortem.objects.select_for_update(of=("self",)).select_related("incident").get(pk=postmortem.pk)
    postmortem.waived_at, postmortem.waived_by, postmortem.waived_reason = timezone.now(), actor, reason
    postmortem.save()
    incident_services.timeline_event_record(incident=postmortem.incident, kind=TimelineKind.POSTMORTEM_WAIVED,
                                            actor=actor, payload={"postmortem_id": postmortem.pk, "reason": reason})
    return postmortem


def _check_entries(entries: list[dict], known: dict[int, TimelineEntry]) -> None:
    for index, entry in enumerate(entries):
        if not (entry.get("text") or "").strip() or entry.get("at") is None:
            raise ApplicationError("Each entry needs a time and a text.", {f"entries[{index}]": ["at and text."]})
        if entry.get("id") is not None and entry["id"] not in known:
            raise ApplicationError("Unknown entry.", {f"entries[{index}].id": ["Not an entry of this post-mortem."]})


@transaction.atomic
def postmortem_timeline_set(*, postmortem: PostMortem, entries: list[dict]) -> list[TimelineEntry]:
    """Replace the timeline: entries with an ``id`` are kept (imported ones stay marked imported) and
    edited, those without are added, existing ones not listed are removed."""
    PostMortem.objects.select_for_update().filter(pk=postmortem.pk).first()
    known = {entry.pk: entry for entry in postmortem.timeline_entries.all()}
    _check_entries(entries, known)
    kept = set()
    for entry in entries:
        if entry.get("id") is not None:
            row = known[entry["id"]]
            row.at, row.text = entry["at"], entry["text"].strip()
            row.save(update_fields=["at", "text"])
            kept.add(row.pk)
        else:
            TimelineEntry.objects.create(organization_id=postmortem.organization_id, postmortem=postmortem,
                                         at=entry["at"], text=entry["text"].strip(), source=EntrySource.ADDED)
    postmortem.timeline_entries.exclude(pk__in=kept).filter(pk__in=list(known)).delete()
    return list(postmortem.timeline_entries.order_by("at", "id"))


@transaction.atomic
def postmortem_timeline_add(*, postmortem: PostMortem, at: datetime, text: str) -> TimelineEntry:
    if not (text or "").strip():
        raise ApplicationError("A text is required.", {"text": ["This field may not be blank."]})
    return TimelineEntry.objects.create(organization_id=postmortem.organization_id, postmortem=postmortem, at=at,
                                        text=text.strip(), source=EntrySource.ADDED)


@transaction.atomic
def postmortem_whys_set(*, postmortem: PostMortem, whys: list[dict]) -> list[Why]:
    """Replace the five-whys chain with ``whys`` (ordered why/because pairs; their order is kept)."""
    if len(whys) > MAX_WHYS:
        raise ApplicationError(f"At most {MAX_WHYS} whys.", {"whys": [f"At most {MAX_WHYS} entries."]})
    for index, pair in enumerate(whys):
        missing = [name for name in ("why", "because") if not (pair.get(name) or "").strip()]
        if missing:
            raise ApplicationError("Each why needs a why and a because.",
                                   {f"whys[{index}].{name}": ["This field may not be blank."] for name in missing})
    PostMortem.objects.select_for_update().filter(pk=postmortem.pk).first()
    postmortem.whys.all().delete()
    return Why.objects.bulk_create([
        Why(organization_id=postmortem.organization_id, postmortem=postmortem, position=index,
            why=pair["why"].strip(), because=pair["because"].strip())
        for index, pair in enumerate(whys)])
