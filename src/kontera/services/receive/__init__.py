"""Getting documents in: mail (SMTP, IMAP), watched folders, trusted senders and quarantine."""
