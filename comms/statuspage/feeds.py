"""``history.atom`` / ``history.rss``: one entry per incident and maintenance of the page's history,
updated with every public update; each entry carries all its updates (newest first) as HTML."""

from django.utils import feedgenerator
from django.utils.html import format_html, format_html_join, linebreaks

from comms.statuspage.publish import UPDATE_STATUS, Builder
from comms.statuspage.selectors import PageState


def _updates_html(rows) -> str:
    return format_html_join("", "<p><strong>{}</strong> ({})</p>{}",
                            ((status.title(), at.strftime("%Y-%m-%d %H:%M UTC"), linebreaks(body))
                             for status, at, body in rows))


def build(state: PageState, kind: str, feed_url: str) -> feedgenerator.SyndicationFeed:
    builder = Builder(state)
    page = state.page
    feed_class = feedgenerator.Atom1Feed if kind == "atom" else feedgenerator.Rss201rev2Feed
    feed = feed_class(title=f"{builder.page_json()['name']} status history", link=builder.page_url,
                      description=page.description or f"Incidents and maintenance of {builder.page_json()['name']}",
                      feed_url=feed_url, language="en", updateddate=state.updated_at, feed_guid=feed_url)
    for item in state.incidents:
        rows = [(UPDATE_STATUS.get(u.status, u.status), u.posted_at, u.body) for u in item.updates]
        feed.add_item(title=item.name, link=f"{builder.page_url}#incident-{item.public_id}",
                      description=_updates_html(rows), unique_id=f"{feed_url}#incident-{item.public_id}",
                      unique_id_is_permalink=False, pubdate=item.updates[-1].posted_at,
                      updateddate=item.updates[0].posted_at)
    for maintenance in state.maintenances:
        updates = maintenance.recent_updates
        rows = [(u.get_status_display(), u.created_at, u.body) for u in updates]
        window = format_html("<p>Scheduled for {} until {} UTC.</p>",
                             maintenance.scheduled_for.strftime("%Y-%m-%d %H:%M"),
                             maintenance.scheduled_until.strftime("%Y-%m-%d %H:%M"))
        feed.add_item(title=f"Maintenance: {maintenance.title}",
                      link=f"{builder.page_url}#maintenance-{maintenance.public_id}",
                      description=window + _updates_html(rows),
                      unique_id=f"{feed_url}#maintenance-{maintenance.public_id}", unique_id_is_permalink=False,
                      pubdate=maintenance.created_at,
                      updateddate=updates[0].created_at if updates else maintenance.updated_at)
    return feed
