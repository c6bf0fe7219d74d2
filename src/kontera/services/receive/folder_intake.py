"""Watched folders: a Peppol access point's inbound folder, and scanners' "scan to folder".

Two roots, either or both (`KONTERA_INBOUND_FOLDER`, `KONTERA_SCAN_FOLDER`):

- **Access point** (the layout the open-source Oxalis access point's file persister writes):
  `<root>/<receiver>/<sender>/<message>.doc.xml`, the transmission's receipt beside it as
  `<message>.receipt.dat` (or `.receipt.smime`). Participant ids become folder names with
  the `:` replaced (`0192_923609016`); the receiver names the company (`0192` Norwegian
  org.nr, `0007` Swedish org.nr; `9908`/`9955` their VAT-number forms). A business document
  wrapped in a Standard Business Document (as Peppol carries it) is unwrapped; the header's
  sender, receiver and instance id are kept with the document.
- **Scanners**: `<root>/<company>/<file>` where `<company>` is the company's slug or
  org.nr; PDF, TIFF, JPEG, PNG (and e-invoice XML, since a folder is a folder).

A file is taken once: it must have stopped changing (`KONTERA_FOLDER_SETTLE_SECONDS`); a
worker claims it (`FolderClaim`, taken over when its worker died); it is received as a
document with an `external_id` made of its place and its content's hash (so a crash
between receiving and recording receives the same document again, never a second one);
the `InboxItem` is recorded; then the file — and its receipt — is acknowledged by moving it
to `<root>/.kontera/taken/…`. A file that is not a document for a known company stays where
it is, and is named in the scan's report and the log (an operator moves it by hand).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kontera.domain.errors import KonteraError
from kontera.services.context import AppContext
from kontera.services.pipeline.documents import Received
from kontera.services.pipeline.documents import receive_document
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables_inbox import FolderClaim
from kontera.store.tables_inbox import InboxItem
from kontera.store.types import utcnow

log = logging.getLogger(__name__)

ACCESS_POINT = "access_point"
SCANNER = "folder"
TAKEN = ".kontera"  # under each root: taken/… (acknowledged files); never scanned
RECEIPTS = (".receipt.dat", ".receipt.smime", ".receipt.xml")
SCAN_TYPES = {
    ".pdf": "application/pdf",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xml": "application/xml",
}
# Peppol participant identifier schemes that carry an organisation number.
SCHEMES = {"0192": "NO", "9908": "NO", "0007": "SE", "9955": "SE"}
CLAIM_STALE = timedelta(minutes=2)
_SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"


@dataclass
class FolderReport:
    taken: int = 0
    acknowledged: int = 0  # files moved away (taken now, or taken before a crash)
    waiting: int = 0  # still being written
    left: list[str] = field(default_factory=list)  # files no company claims: why


@dataclass(frozen=True, slots=True)
class Found:
    origin: str
    root: Path
    path: Path
    company_key: str  # the receiver's participant id folder, or the scanner's company folder

    @property
    def relative(self) -> str:
        return self.path.relative_to(self.root).as_posix()


def scan_folders(ctx: AppContext, *, settle: float | None = None) -> FolderReport:
    """One pass over the configured folders; safe to run in several processes at once."""
    report = FolderReport()
    wait = ctx.settings.folder_settle_seconds if settle is None else settle
    companies = _companies(ctx)
    ready = []
    for found in _found(ctx):  # settled as the pass starts, not as it reaches the file
        if _settled(found.path, wait):
            ready.append(found)
        else:
            report.waiting += 1
    for found in ready:
        company_id = _company_for(found, companies)
        if company_id is None:
            report.left.append(f"{found.relative}: no company for {found.company_key}")
            continue
        _take_one(ctx, found, company_id, report)
    if report.left:
        log.warning("files in watched folders left untaken", extra={"files": report.left[:20]})
    return report


def _found(ctx: AppContext) -> Iterator[Found]:
    inbound, scans = ctx.settings.inbound_folder, ctx.settings.scan_folder
    if inbound is not None and inbound.is_dir():
        for path in sorted(_files(inbound)):
            parts = path.relative_to(inbound).parts
            if len(parts) >= 2 and not path.name.endswith(RECEIPTS):
                yield Found(ACCESS_POINT, inbound, path, parts[0])
    if scans is not None and scans.is_dir():
        for path in sorted(_files(scans)):
            parts = path.relative_to(scans).parts
            if len(parts) >= 2 and path.suffix.lower() in SCAN_TYPES:
                yield Found(SCANNER, scans, path, parts[0])


def _files(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith("."):
                yield Path(folder) / name


def _settled(path: Path, seconds: float) -> bool:
    """Unchanged for `seconds`: a file still being written is left for the next pass."""
    try:
        return time.time() - path.stat().st_mtime >= seconds
    except FileNotFoundError:
        return False


def _companies(ctx: AppContext) -> dict[str, str]:
    """Every name a folder may give a company: slug, org.nr, and the Peppol forms of it."""
    names: dict[str, str] = {}
    with session_scope(ctx.engine) as session:
        for company in session.exec(select(Company)).all():
            names[company.slug.lower()] = company.id
            org = _digits(company.org_number or "")
            if not org:
                continue
            names[org] = company.id
            for scheme, country in SCHEMES.items():
                if country == company.country:
                    vat = f"{country}{org}{'MVA' if country == 'NO' else '01'}"
                    names[f"{scheme}_{vat if scheme in ('9908', '9955') else org}".lower()] = (
                        company.id
                    )
    return names


def _company_for(found: Found, companies: dict[str, str]) -> str | None:
    return companies.get(found.company_key.replace(":", "_").lower())


def _take_one(ctx: AppContext, found: Found, company_id: str, report: FolderReport) -> None:
    try:
        content = found.path.read_bytes()
    except FileNotFoundError:
        return  # another worker acknowledged it meanwhile
    digest = hashlib.sha256(content).hexdigest()
    external_id = f"{found.origin}:{found.relative}:{digest[:16]}"
    key = f"{found.origin}:{found.relative}"
    if not _claim(ctx, key):
        return
    try:
        if not _known(ctx, company_id, found.origin, external_id):
            if not _receive(ctx, found, company_id, content, external_id):
                report.left.append(f"{found.relative}: refused")
                return
            report.taken += 1
        _acknowledge(found)
        report.acknowledged += 1
    finally:
        _release(ctx, key)


def _receive(
    ctx: AppContext, found: Found, company_id: str, content: bytes, external_id: str
) -> bool:
    data, envelope = unwrap_sbd(content) if found.origin == ACCESS_POINT else (content, {})
    try:
        received = receive_document(
            ctx,
            company_id=company_id,
            data=data,
            filename=_document_name(found),
            content_type="application/xml" if found.origin == ACCESS_POINT else _mime(found.path),
            source=found.origin,
            external_id=external_id,
            provenance={
                "origin": found.origin,
                "path": found.relative,
                "folder": found.company_key,
                **envelope,
            },
            actor=found.origin,
        )
    except KonteraError as e:
        log.warning(
            "file in a watched folder refused", extra={"path": found.relative, "why": e.message}
        )
        return False
    _record_taken(ctx, found, company_id, external_id, received, envelope)
    return True


def _document_name(found: Found) -> str:
    """An access point's `<id>.doc.xml` is shown as `<id>.xml`; a scanner's file as it is."""
    name = found.path.name
    if found.origin == ACCESS_POINT:
        return name.removesuffix(".doc.xml").removesuffix(".xml") + ".xml"
    return name


def _record_taken(
    ctx: AppContext,
    found: Found,
    company_id: str,
    external_id: str,
    received: Received,
    envelope: dict[str, str],
) -> None:
    item = InboxItem(
        company_id=company_id,
        origin=found.origin,
        external_id=external_id,
        kind="peppol" if found.origin == ACCESS_POINT else "scan",
        document_id=received.document.id,
        details={"path": found.relative, "again": received.duplicate, **envelope},
        state="completed",
        completed_at=utcnow(),
    )
    try:
        with session_scope(ctx.engine) as session:
            session.add(item)
            repo.add_event(
                session,
                company_id=company_id,
                document_id=received.document.id,
                actor=found.origin,
                action=f"{found.origin}:taken",
                detail={"path": found.relative, **envelope},
            )
    except IntegrityError:
        pass  # recorded by a worker that died before acknowledging: taken once


def _known(ctx: AppContext, company_id: str, origin: str, external_id: str) -> bool:
    with session_scope(ctx.engine) as session:
        query = select(InboxItem.id).where(
            InboxItem.company_id == company_id,
            InboxItem.origin == origin,
            InboxItem.external_id == external_id,
        )
        return session.exec(query).first() is not None


def _acknowledge(found: Found) -> None:
    """Move the file (and its receipt) under `<root>/.kontera/taken/`, keeping its place.
    The receipt goes first: a worker killed in between leaves the document, which the next
    pass recognises and moves."""
    target = found.root / TAKEN / "taken" / found.relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if found.origin == ACCESS_POINT:
        stem = found.path.name.removesuffix(".doc.xml").removesuffix(".xml")
        for suffix in RECEIPTS:
            receipt = found.path.with_name(stem + suffix)
            if receipt.exists():
                _move(receipt, target.with_name(receipt.name))
    _move(found.path, target)


def _move(source: Path, target: Path) -> None:
    if target.exists():  # the same place taken before (a resent file): keep both
        target = target.with_name(f"{target.stem}.{int(time.time() * 1000)}{target.suffix}")
    try:
        source.replace(target)
    except FileNotFoundError:
        pass  # moved by another worker


# -- claims: one worker per file --------------------------------------------------------


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(ctx: AppContext, key: str) -> bool:
    owner = _owner()
    with session_scope(ctx.engine) as session:
        claim = session.get(FolderClaim, key)
        if claim is not None:
            if claim.owner != owner and not _abandoned(claim):
                return False
            session.delete(claim)
            session.flush()
        session.add(FolderClaim(key=key, owner=owner))
        try:
            session.flush()
        except IntegrityError:
            return False
    return True


def _abandoned(claim: FolderClaim) -> bool:
    host, _, pid = claim.owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
        return True
    return utcnow() - claim.claimed_at > CLAIM_STALE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release(ctx: AppContext, key: str) -> None:
    with session_scope(ctx.engine) as session:
        claim = session.get(FolderClaim, key)
        if claim is not None and claim.owner == _owner():
            session.delete(claim)


# -- the Standard Business Document envelope --------------------------------------------


def unwrap_sbd(content: bytes) -> tuple[bytes, dict[str, str]]:
    """The business document inside a Standard Business Document, and the header's facts;
    anything else unchanged."""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        return content, {}
    if etree.QName(root).localname != "StandardBusinessDocument":
        return content, {}
    header = root.find(f"{{{_SBDH}}}StandardBusinessDocumentHeader")
    payload = [child for child in root if child is not header and isinstance(child.tag, str)]
    if not payload:
        return content, {}
    facts = {
        "sender": _text(header, "Sender/{ns}Identifier"),
        "receiver": _text(header, "Receiver/{ns}Identifier"),
        "instance_id": _text(header, "DocumentIdentification/{ns}InstanceIdentifier"),
    }
    body = etree.tostring(payload[0], xml_declaration=True, encoding="UTF-8")
    return body, {k: v for k, v in facts.items() if v}


def _text(header: etree._Element | None, path: str) -> str:
    if header is None:
        return ""
    ns = f"{{{_SBDH}}}"
    found = header.find(ns + path.replace("{ns}", ns))
    return (found.text or "").strip() if found is not None else ""


def _mime(path: Path) -> str:
    return SCAN_TYPES.get(path.suffix.lower(), "application/octet-stream")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


# -- in the workers ---------------------------------------------------------------------


class FolderWatcher:
    """Scans the folders every `KONTERA_FOLDER_POLL_SECONDS` in a thread of the process."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="folder-watcher", daemon=True)

    def start(self) -> FolderWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                scan_folders(self.ctx)
            except Exception:  # a bad pass must not end the watching
                log.exception("scanning the watched folders failed")
            self._stop.wait(self.ctx.settings.folder_poll_seconds)


def start_watching(ctx: AppContext) -> FolderWatcher | None:
    """A watcher when a folder is configured, else None."""
    if ctx.settings.inbound_folder is None and ctx.settings.scan_folder is None:
        return None
    return FolderWatcher(ctx).start()
