"""Rule checks on an e-invoice: EN 16931, Peppol BIS and the national rules, by rule id."""
