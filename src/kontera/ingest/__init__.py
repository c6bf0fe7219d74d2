"""Getting bytes in: mail (SMTP receiver, IMAP polling) and the MIME reading behind it."""
