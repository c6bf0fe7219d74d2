"""Reading pages: PDF text layers, OCR of scans and images, limits on hostile PDFs."""
