"""Every write of the ChatOps app: install/settings, the Slack action ledger, what each action does,
people (Slack user ↔ member), the slash commands and buttons, and the Events API."""
