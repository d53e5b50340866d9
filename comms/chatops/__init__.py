"""ChatOps: the Slack app per organization (incident channels, slash commands, buttons, the Events
API) and the war-room bridge (a static URL or a Zoom meeting). See ``README.md`` beside this file."""
