"""atelier: a workflow engine for the French atelier citoyen."""

PARIS_TZ_NAME = "Europe/Paris"
