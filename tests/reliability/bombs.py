"""Hostile files made on the fly in a temporary folder (nothing of this is checked in)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf

_ZEROS = bytes(1024 * 1024)


def deflated_zeros(megabytes: int) -> bytes:
    """`megabytes` MB of zeros, deflated (about a thousandth of the size)."""
    packer = zlib.compressobj(9)
    chunks = [packer.compress(_ZEROS) for _ in range(megabytes)]
    return b"".join([*chunks, packer.flush()])


def pdf_flate_bomb(tmp: Path, megabytes: int = 300) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` MB."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    stream = pikepdf.Stream(pdf, b"")
    stream.write(deflated_zeros(megabytes), filter=pikepdf.Name.FlateDecode)
    pdf.pages[0].Contents = pdf.make_indirect(stream)
    return _saved(pdf, tmp / "flate-bomb.pdf")


def pdf_with_pages(tmp: Path, pages: int) -> bytes:
    """A valid PDF of `pages` A4 pages that all share one content stream."""
    pdf = pikepdf.new()
    root = pdf.Root.Pages
    content = pdf.make_indirect(pikepdf.Stream(pdf, b"BT /F1 12 Tf 72 720 Td (Side) Tj ET"))
    kids = pikepdf.Array()
    for _ in range(pages):
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842], Parent=root, Contents=content
        )
        kids.append(pdf.make_indirect(page))
    root.Kids, root.Count = kids, pages
    return _saved(pdf, tmp / f"{pages}-pages.pdf")


def pdf_huge_image(tmp: Path) -> bytes:
    """A PDF page showing a 100 000 × 100 000 pixel image that is a few kB compressed."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    image = pikepdf.Stream(pdf, b"")
    image.write(deflated_zeros(2), filter=pikepdf.Name.FlateDecode)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 100_000, 100_000, 8
    image.ColorSpace = pikepdf.Name.DeviceGray
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_indirect(pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"))
    return _saved(pdf, tmp / "huge-image.pdf")


def png_pixel_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A PNG header announcing 3.6 gigapixels, followed by a tiny, truncated image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(bytes(width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def zip_bomb(megabytes: int = 200) -> bytes:
    """A ZIP with one entry that inflates to `megabytes` MB (an invoice.xml, it says)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("invoice.xml", "w", force_zip64=True) as entry,
    ):
        for _ in range(megabytes):
            entry.write(_ZEROS)
    return buffer.getvalue()


def deeply_nested_xml(depth: int = 100_000) -> bytes:
    return (
        b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
        b'Invoice-2">' + b"<a>" * depth + b"</a>" * depth + b"</Invoice>"
    )


def _saved(pdf: pikepdf.Pdf, path: Path) -> bytes:
    # Written as is: qpdf must neither inflate the bomb nor recompress anything.
    pdf.save(path, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return path.read_bytes()
