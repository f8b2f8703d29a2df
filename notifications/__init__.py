"""Messages: French templates, calendar invites, the outbox and its dispatcher."""
