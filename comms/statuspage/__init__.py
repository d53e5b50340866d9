"""The public status page of an organization: components, the Statuspage-compatible API, feeds,
subscribers, scheduled maintenance and the vendor status watch (issue 14). See README.md here."""
