"""Every write of the comms app, one module a concern:

- ``contacts``: contact methods, personal rules and their defaults, destinations, routes, throttles, endpoints
- ``paging``: escalation runs (start, advance, stop, re-page, escalate now) and the beat ticker
- ``delivery``: sending one notification (throttle, send, retry, fall through) and ESP tracking
- ``webhooks``: outbound org webhooks
"""
