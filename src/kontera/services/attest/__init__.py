"""Attestation: the two-person rule, attestants' settings, links and e-mails."""
