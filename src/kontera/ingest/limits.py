"""Limits for reading mail: how deep, how many, how large. One frozen value passed down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MailLimits:
    # Messages inside messages and archives inside archives, counted together.
    max_depth: int = 3
    # Leaf parts looked at per message, including files inside archives.
    max_parts: int = 200
    max_archive_files: int = 100
    max_archive_bytes: int = 100 * 1024 * 1024
    # Uncompressed size / compressed size above this is treated as a ZIP bomb.
    max_compression_ratio: int = 100
    max_document_bytes: int = 25 * 1024 * 1024
    # Smaller images are logos, icons and tracking pixels, not scanned invoices.
    min_image_bytes: int = 8 * 1024
    min_image_side: int = 300
    # A page is about 1:1.4; wider or taller than this is a banner or a strip, not a scan.
    max_image_aspect: float = 2.5
