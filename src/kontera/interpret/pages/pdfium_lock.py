"""One lock for every use of PDFium in the process.

PDFium is not thread-safe: two threads inside it at once (the in-process worker's threads,
or a worker and the review UI drawing a page) corrupt its heap and kill the process. Every
caller holds `PDFIUM` from opening a document until it is closed. It is a module-level object
on purpose: the library it guards is process-wide too.
"""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()
