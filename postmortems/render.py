"""Texts this app produces: the plan's post-mortem markdown (7.1), the meeting invitation (.ics) and
its wording, the monthly review (8.2) as Markdown."""

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import icalendar
from django.conf import settings

from postmortems.enums import ActionItemStatus
from postmortems.models import PostMortem

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def zone_of(organization) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(organization.time_zone or "UTC")


def _day(value) -> str:
    return f"{value:%b} {value.day}"


def handle(user) -> str:
    """How the markdown names a person: @ and the local part of their email."""
    return "@" + user.email.split("@", 1)[0] if user is not None else "@unassigned"


def _money(amount: Decimal, currency: str) -> str:
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def _count(number) -> str:
    return f"{int(number):,}" if float(number).is_integer() else f"{number:,}"


def _downtime_minutes(incident) -> int | None:
    start = incident.impact_started_at or incident.detected_at
    if incident.resolved_at is None:
        return None
    return round((incident.resolved_at - start).total_seconds() / 60)


def _impact_lines(postmortem: PostMortem) -> list[str]:
    lines = []
    if postmortem.users_affected is not None:
        lines.append(f"- Users affected: ~{postmortem.users_affected:,}")
    if postmortem.revenue_lost is not None:
        minutes = _downtime_minutes(postmortem.incident)
        suffix = f" ({minutes} min downtime)" if minutes is not None else ""
        lines.append(f"- Revenue loss: ~{_money(postmortem.revenue_lost, postmortem.revenue_currency)}{suffix}")
    if postmortem.applications_missed is not None:
        lines.append(f"- Applications missed: ~{postmortem.applications_missed:,}")
    lines += [f"- {label}: ~{_count(number)}" for label, number in (postmortem.other_impact or {}).items()]
    return lines


def _item_line(item) -> str:
    done = item.status == ActionItemStatus.DONE
    when = "Completed" if done else (_day(item.due_date) if item.due_date else "no date")
    if item.status == ActionItemStatus.WONT_DO:
        when = "Won't do"
    return f"- [{'x' if done else ' '}] {item.title} ({handle(item.owner)}, {when})"


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def _root_cause(postmortem: PostMortem) -> list[str]:
    lines = [postmortem.root_cause.strip() or "Unknown."]
    if postmortem.root_cause_category_id:
        lines += ["", f"Category: {postmortem.root_cause_category.name}"]
    whys = list(postmortem.whys.order_by("position"))
    if whys:
        lines += ["", "Five whys:"]
        lines += [f"{index}. {pair.why.rstrip('?')}? Because {pair.because}"
                  for index, pair in enumerate(whys, start=1)]
    return lines


def postmortem_markdown(postmortem: PostMortem) -> str:
    """The plan's template (7.1): title with the incident's title and date, Summary, Timeline, Root Cause
    (with the five whys when there are some), Impact, Action Items, Lessons Learned."""
    incident = postmortem.incident
    zone = zone_of(incident.organization)
    started = (incident.impact_started_at or incident.detected_at).astimezone(zone)
    lines = [f"# Post-Mortem: {incident.title} ({_day(started)}, {started.year})", "", "## Summary",
             postmortem.summary.strip() or incident.title, "", "## Timeline"]
    lines += [f"- {entry.at.astimezone(zone):%H:%M}: {entry.text}" for entry in
              postmortem.timeline_entries.order_by("at", "id")]
    lines += ["", "## Root Cause", *_root_cause(postmortem), "", "## Impact", *_impact_lines(postmortem), "",
              "## Action Items"]
    lines += [_item_line(item) for item in postmortem.action_items.select_related("owner").order_by("id")]
    lines += ["", "## Lessons Learned", f"- **Good**: {_one_line(postmortem.went_well)}",
              f"- **Bad**: {_one_line(postmortem.went_poorly)}"]
    lines += [f"- {line.strip()}" for line in postmortem.lessons.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def when_phrase(moment: datetime, now: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "tomorrow 10 AM", "today 2:30 PM", "Mon Oct 20 9 AM" in the organization's time zone."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    hour = local.strftime("%I").lstrip("0")
    clock = f"{hour} {local:%p}" if local.minute == 0 else f"{hour}:{local:%M %p}"
    days = (local.date() - today).days
    day = {0: "today", 1: "tomorrow"}.get(days, f"{local:%a %b} {local.day}")
    return f"{day} {clock}"


def invitation_ics(postmortem: PostMortem, attendee_emails: list[str]) -> str:
    """A METHOD:REQUEST iCalendar invitation; the UID is stable per post-mortem so a reschedule updates it."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Foghorn//Post-mortem//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = icalendar.Event()
    incident = postmortem.incident
    event.add("uid", f"postmortem-{postmortem.pk}@foghorn")
    event.add("summary", f"Post-mortem: #{incident.number} {incident.title}")
    event.add("dtstart", postmortem.meeting_at)
    event.add("dtend", postmortem.meeting_at + timedelta(minutes=postmortem.meeting_minutes))
    event.add("dtstamp", postmortem.updated_at)
    event.add("sequence", int(postmortem.meeting_at.timestamp()) // 60)
    if postmortem.meeting_location:
        event.add("location", postmortem.meeting_location)
    event.add("description", f"Blameless post-mortem of incident #{incident.number}. Agenda: timeline, root "
                             "cause (5 whys), impact, what went well, what went poorly, action items.\n"
                             f"{settings.FOGHORN_BASE_URL}/admin/postmortems/postmortem/{postmortem.pk}/change/")
    organizer = icalendar.vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    event.add("organizer", organizer)
    for email in attendee_emails:
        attendee = icalendar.vCalAddress(f"mailto:{email}")
        attendee.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["RSVP"] = icalendar.vText("TRUE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _pct(value) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _minutes(seconds) -> str:
    return "n/a" if seconds is None else f"{seconds / 60:.1f} min"


def review_markdown(review: dict) -> str:
    """The monthly review (plan 8.2) of ``selectors.monthly_review`` as Markdown."""
    counts = review["incident_count_by_severity"]
    lines = [f"# Monthly incident review: {review['organization']} ({review['month']})", "",
             "## Incident count by severity",
             *[f"- {row['severity']}: {row['count']}" for row in counts],
             f"- Total: {review['total']} (previous month {review['previous_total']}, trend {review['trend']})", "",
             "## Most common root causes",
             *([f"- {row['category']}: {row['count']}" for row in review["top_root_causes"]] or ["- none recorded"]),
             "", "## Effectiveness of mitigations"]
    mitigation = review["mitigation"]
    lines += [f"- Action items done by their due date: {mitigation['done_by_due']} of {mitigation['due']} "
              f"({_pct(mitigation['share_done_by_due'])})",
              f"- Repeat incidents after the previous one's items were done: {mitigation['repeat_incidents']}",
              f"- Open action items overdue now: {review['overdue_action_items']}", "", "## Targets"]
    for target in review["targets"]:
        verdict = "met" if target["met"] else ("no data" if target["met"] is None else "missed")
        value = target["value"] if target["unit"] == "count" else _minutes(target["value"])
        lines.append(f"- {target['name']}: {value} (target {target['target']}) — {verdict}")
    return "\n".join(lines) + "\n"
