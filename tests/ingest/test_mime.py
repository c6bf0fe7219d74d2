"""Reading messages into documents: kept, opened, skipped, with reasons."""

from __future__ import annotations

import hashlib
import io
import zipfile
from email.message import EmailMessage

import pdfplumber
from PIL import Image

from kontera.ingest.headers import read_headers
from kontera.ingest.limits import MailLimits
from kontera.ingest.mime import extract
from tests.conftest import FIXTURES
from tests.ingest.helpers import as_bytes
from tests.ingest.helpers import message

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png(width: int, height: int, noise: bool = False) -> bytes:
    image = Image.effect_noise((width, height), 80) if noise else Image.new("L", (width, height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def zipped(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_attachment(data: bytes, filename: str, maintype: str = "application") -> bytes:
    mail = message()
    subtype = filename.rsplit(".", 1)[-1]
    mail.add_attachment(data, maintype, subtype, filename=filename)
    return as_bytes(mail)


def test_files_are_recognised_by_their_bytes_not_their_names() -> None:
    mail = message()
    mail.add_attachment(EHF, "application", "octet-stream", filename="scan.pdf")
    mail.add_attachment(PDF, "application", "octet-stream", filename="invoice.dat")
    content = extract(as_bytes(mail))
    assert [(p.filename, p.content_type) for p in content.parts] == [
        ("scan.pdf", "application/xml"),
        ("invoice.dat", "application/pdf"),
    ]


def test_zip_entries_are_read_with_safe_names_and_clutter_ignored() -> None:
    archive = zipped({"../../../etc/passwd.pdf": PDF, "__MACOSX/._x": b"x", "a/b/e.xml": EHF})
    content = extract(with_attachment(archive, "bundle.zip"))
    assert [p.filename for p in content.parts] == ["passwd.pdf", "e.xml"]
    assert all(p.origin == "attachment/zip:bundle.zip" for p in content.parts)
    assert content.skipped == []


def test_a_zip_bomb_is_not_unpacked() -> None:
    bomb = zipped({"huge.pdf": b"%PDF-1.4\n" + b"\0" * (10 * 1024 * 1024)})
    assert len(bomb) < 100_000
    content = extract(with_attachment(bomb, "bomb.zip"))
    assert content.parts == []
    assert "ZIP bomb" in content.skipped[0].reason


def test_an_archive_with_too_many_files_is_refused() -> None:
    archive = zipped({f"{i}.pdf": PDF + str(i).encode() for i in range(12)})
    content = extract(with_attachment(archive, "many.zip"), MailLimits(max_archive_files=10))
    assert content.parts == []
    assert "12 files" in content.skipped[0].reason


def test_nesting_stops_at_the_depth_limit() -> None:
    inner = zipped({"deep.pdf": PDF})
    for level in range(4):
        inner = zipped({f"level{level}.zip": inner})
    content = extract(with_attachment(inner, "outer.zip"), MailLimits(max_depth=3))
    assert content.parts == []
    assert "nested too deeply" in content.skipped[0].reason


def test_a_damaged_zip_is_skipped_with_a_reason() -> None:
    content = extract(with_attachment(b"PK\x03\x04" + b"\x00" * 40, "broken.zip"))
    assert content.parts == []
    assert "damaged" in content.skipped[0].reason


def test_logos_and_tiny_images_are_ignored_but_a_scan_is_kept() -> None:
    mail = message()
    mail.add_attachment(png(90, 30), "image", "png", filename="logo.png", disposition="inline")
    mail.add_attachment(png(1200, 60, noise=True), "image", "png", filename="strip.png")
    mail.add_attachment(png(1500, 400, noise=True), "image", "png", filename="banner.png")
    scan = png(800, 1100, noise=True)
    mail.add_attachment(scan, "image", "png", filename="scan.png")
    content = extract(as_bytes(mail))
    assert [p.filename for p in content.parts] == ["scan.png"]
    assert [s.filename for s in content.skipped] == ["logo.png", "strip.png", "banner.png"]
    assert "1200×60" in content.skipped[1].reason
    assert "banner" in content.skipped[2].reason


def test_an_html_only_invoice_is_rendered_to_a_readable_pdf() -> None:
    mail = message(subject="Faktura 4711 fra Strøm AS")
    mail.set_content(
        "<p>Faktura 4711</p><table><tr><td>Totalt å betale</td><td>1 250,00</td></tr>"
        "</table><p>Forfall 01.12.2026, KID 00012345678</p><script>x()</script>",
        subtype="html",
    )
    content = extract(as_bytes(mail))
    (part,) = content.parts
    assert (part.filename, part.origin, part.content_type) == (
        "message-body.pdf",
        "body",
        "application/pdf",
    )
    with pdfplumber.open(io.BytesIO(part.data)) as pdf:
        text = pdf.pages[0].extract_text()
    assert "Faktura 4711 fra Strøm AS" in text
    assert "Totalt å betale 1 250,00" in text
    assert "x()" not in text


def test_a_plain_note_body_is_not_mistaken_for_an_invoice() -> None:
    mail = message()
    mail.set_content("Hei! Takk for sist. Vi ses på fredag.")
    content = extract(as_bytes(mail))
    assert content.parts == []


def test_rfc2231_and_rfc2047_filenames_are_decoded() -> None:
    raw = (
        b"From: a@b.example\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Faktura%20%C3%A6%C3%B8%C3%A5.pdf\r\n"
        b"\r\n" + PDF + b"\r\n--B\r\n"
        b'Content-Type: application/pdf; name="=?utf-8?B?S3ZpdHRlcmluZyDDmC5wZGY=?="\r\n'
        b"\r\n" + PDF + b"2\r\n--B--\r\n"
    )
    content = extract(raw)
    assert [p.filename for p in content.parts] == ["Faktura æøå.pdf", "Kvittering Ø.pdf"]


def test_the_same_file_twice_in_one_message_is_kept_once() -> None:
    mail = message()
    mail.add_attachment(PDF, "application", "pdf", filename="a.pdf")
    mail.add_attachment(PDF, "application", "pdf", filename="a-copy.pdf", disposition="inline")
    content = extract(as_bytes(mail))
    assert [p.filename for p in content.parts] == ["a.pdf"]
    assert "twice" in content.skipped[0].reason


def test_an_attached_message_keeps_its_subject_in_the_origin() -> None:
    inner = EmailMessage()
    inner["Subject"] = "=?utf-8?q?Faktura_fr=C3=A5n_leverant=C3=B6r?="
    inner.set_content("se bilaga")
    inner.add_attachment(EHF, "application", "xml", filename="e.xml")
    outer = message()
    outer.add_attachment(inner)
    (part,) = extract(as_bytes(outer)).parts
    assert part.origin == "message:Faktura från leverantör/attachment"
    assert hashlib.sha256(part.data).digest() == hashlib.sha256(EHF).digest()


def test_headers_are_decoded_and_normalised() -> None:
    raw = (
        b"From: =?utf-8?q?Kraft_=C3=98st?= <Faktura@Kraft.EXAMPLE>\r\n"
        b"Subject: =?iso-8859-1?q?M=E5nedsfaktura?=\r\nMessage-ID:  <Abc.123@kraft.example> \r\n"
        b"Date: Sun, 22 Nov 2026 01:02:03 +0100\r\nAuto-Submitted: auto-replied\r\n\r\nhei\r\n"
    )
    headers = read_headers(raw)
    assert headers.sender == "faktura@kraft.example"
    assert headers.sender_name == "Kraft Øst"
    assert headers.subject == "Månedsfaktura"
    assert headers.message_id == "Abc.123@kraft.example"
    assert headers.date is not None and headers.date.hour == 0
    assert headers.auto_submitted


def test_garbage_never_raises() -> None:
    for raw in (b"", b"\x00\xff" * 500, b"Content-Type: multipart/mixed\r\n\r\n--x\r\n", b"From:"):
        content = extract(raw)
        assert content.parts == []


def test_thousands_of_nested_parts_are_refused_with_a_reason() -> None:
    depth = 3000
    raw = b"From: a@b.example\r\nMIME-Version: 1.0\r\n"
    raw += b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for i in range(1, depth):
        raw += f"--b{i - 1}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n".encode()
    raw += f"--b{depth - 1}\r\nContent-Type: application/pdf\r\n\r\n".encode() + PDF
    content = extract(raw)
    assert content.parts == []
    assert content.skipped[0].reason == "The message is nested too deeply to be read."
    assert content.headers.sender == "a@b.example"


def test_raw_utf8_headers_and_filenames_are_read_as_text() -> None:
    """RFC 6532: SMTPUTF8 mail carries UTF-8 in headers without encoded words."""
    raw = (
        (
            "From: Blåbær AS <faktura@blåbær.example>\r\nSubject: Månedsfaktura\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
            "Content-Type: application/pdf\r\n"
            'Content-Disposition: attachment; filename="Faktura å.pdf"\r\n\r\n'
        ).encode()
        + PDF
        + b"\r\n--B--\r\n"
    )
    content = extract(raw)
    assert content.headers.sender == "faktura@blåbær.example"
    assert content.headers.subject == "Månedsfaktura"
    assert [p.filename for p in content.parts] == ["Faktura å.pdf"]


def test_past_the_part_limit_the_rest_is_ignored_and_said_once() -> None:
    mail = message()
    for i in range(8):
        mail.add_attachment(PDF + str(i).encode(), "application", "pdf", filename=f"{i}.pdf")
    content = extract(as_bytes(mail), MailLimits(max_parts=5))
    assert [p.filename for p in content.parts] == ["0.pdf", "1.pdf", "2.pdf", "3.pdf"]
    assert [s.reason for s in content.skipped] == ["More than 5 files; the rest were ignored."]
