"""The plan's texts (sections 5.3, 6.3 and 11), verbatim but for the placeholders, and the variables each
kind of template may use (anything else is refused when a template is saved)."""

from comms.enums import TemplateKind as K

INTERNAL = """[{{ severity }}] {{ title }} - {{ time }} UTC
Status: {{ status }}
Impact: {{ impact }}
Root cause: {{ root_cause }}
ETA: {{ eta }}
Next update: {{ next_update }}
IC: {{ commander }}"""

PUBLIC = """[{{ status }}] {{ title }}
Posted: {{ posted }} UTC

{{ description }}
{{ impact }}
{{ what_we_are_doing }}

Next update: {{ next_update }} UTC"""

PUBLIC_RESOLVED = """[RESOLVED] {{ title }}
Resolved at {{ resolved }} UTC. All systems operational.
Post-mortem will be published within 48 hours."""

CLOSURE = """[RESOLVED] {{ title }} - {{ time }} UTC
Duration: {{ duration }}
Root cause: {{ root_cause }}
Impact: {{ impact }}
Fix: {{ fix }}
Post-mortem: {{ postmortem }}
IC: {{ commander }}"""

USER_EMAIL_SUBJECT = "Service Disruption {{ date }} - Resolved"

USER_EMAIL = """Hi {{ name }},

We experienced a service disruption on {{ date }} from {{ start_time }} to {{ end_time }} ({{ duration }}).

What happened: {{ what_happened }}
Impact: {{ impact }}
Resolution: {{ resolution }}

We apologize for the inconvenience. {{ compensation }}

- {{ company }} Team"""

DEFAULTS: dict[str, tuple[str, str]] = {
    K.INTERNAL: ("", INTERNAL),
    K.PUBLIC: ("", PUBLIC),
    K.PUBLIC_RESOLVED: ("", PUBLIC_RESOLVED),
    K.CLOSURE: ("", CLOSURE),
    K.USER_EMAIL: (USER_EMAIL_SUBJECT, USER_EMAIL),
}

COMMON = {
    "incident_number": "The incident's number, e.g. 42.",
    "incident_url": "Link to the incident in Foghorn.",
    "organization": "The organization's name.",
}
VARIABLES: dict[str, dict[str, str]] = {
    K.INTERNAL: {
        "severity": "P0, P1…", "title": "The update's title.", "time": "When it is posted, HH:MM (UTC).",
        "status": "INVESTIGATING, FIXING, MONITORING or RESOLVED.", "impact": "User-facing description.",
        "root_cause": 'Known cause, or "Unknown".', "eta": 'Estimate, or "Unknown".',
        "next_update": "When the next update is due, HH:MM (UTC), or 'None'.", "commander": "@handle of the IC.",
        **COMMON,
    },
    K.PUBLIC: {
        "status": "INVESTIGATING, FIXING, MONITORING or RESOLVED.", "title": "The public title.",
        "posted": "When it is posted, HH:MM (UTC).", "description": "Brief description of the issue.",
        "impact": "Impact on users.", "what_we_are_doing": "What we're doing (from the status).",
        "next_update": "When the next update is due, HH:MM (UTC).", "eta": 'Estimate, or "Unknown".',
        **COMMON,
    },
    K.PUBLIC_RESOLVED: {
        "title": "The public title.", "resolved": "When it was resolved, HH:MM (UTC).",
        "posted": "When it is posted, HH:MM (UTC).", "impact": "Impact on users.", **COMMON,
    },
    K.CLOSURE: {
        "severity": "P0, P1…", "title": "The incident's title.", "time": "When it was resolved, HH:MM (UTC).",
        "duration": 'e.g. "45 minutes".', "root_cause": 'Known cause, or "Unknown".', "impact": "What users saw.",
        "fix": "What fixed it.", "postmortem": "When the post-mortem is due.", "commander": "@handle of the IC.",
        **COMMON,
    },
    K.USER_EMAIL: {
        "name": "The recipient's name (per recipient).", "email": "The recipient's address (per recipient).",
        "extra": "The recipient's other CSV columns: extra.<column> (per recipient).",
        "date": 'e.g. "Oct 13, 2025".', "start_time": "HH:MM UTC.", "end_time": "HH:MM UTC.",
        "duration": 'e.g. "45 minutes".', "what_happened": "One-sentence explanation.",
        "impact": "What you couldn't do.", "resolution": "How we fixed it.",
        "compensation": "Compensation, if any (may be empty).", "company": "The organization's name.", **COMMON,
    },
}
# Per-recipient variables of the user email: filled in by the ESP from ``merge_data`` in a batch send.
PER_RECIPIENT = ("name", "email")
