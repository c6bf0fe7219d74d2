"""What a person does and sees: queue, detail, corrections, approvals, archive, comments."""
