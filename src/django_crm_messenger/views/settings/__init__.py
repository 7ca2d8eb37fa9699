"""Settings pages for admins: inboxes, routing rules and diagnostics."""
