"""Every write of the comms app, one module a concern:

- ``contacts``: contact methods, personal rules and their defaults, destinations, routes, throttles, endpoints
- ``paging``: escalation runs (start, advance, stop, re-page, escalate now) and the beat ticker
- ``delivery``: sending one notification (throttle, send, retry, fall through) and ESP tracking
- ``webhooks``: outbound org webhooks
- ``status`` (with ``drafting``, ``templates``): status updates, their drafts and the org's message templates
- ``cadence``: update reminders (due, overdue) on the severity's cadence
- ``affected``, ``campaigns`` (with ``esp``): affected users and the post-incident email on the bulk queue
"""
