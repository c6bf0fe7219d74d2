"""Companies, users, API keys, secrets and company settings: what every other part builds on."""
