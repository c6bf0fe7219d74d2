"""Operating Kontera: backups, audit trail, health, rate limits, webhooks, stopping in time."""
