"""E-invoices as XML: UBL (EHF/Peppol), CII (ZUGFeRD/Factur-X), PDFs that carry them."""
