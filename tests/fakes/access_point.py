"""What an Oxalis access point leaves on disk for each inbound Peppol message.

Oxalis's file persister writes each message under `<inbound>/<receiver>/<sender>/`, the
participant ids with `:` made `_`: the business document as received — a Standard
Business Document (SBDH) around the invoice — as `<message id>.doc.xml`, and the
transmission's receipt beside it (`<message id>.receipt.dat`). This writes the same, with
the SBDH Peppol prescribes (sender, receiver, document and process ids, instance id), for
e-invoices made by `tests.fakes.inbox_documents`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from tests.fakes.inbox_documents import SCHEME
from tests.fakes.inbox_documents import CorpusInvoice
from tests.fakes.inbox_documents import Party

SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
INVOICE_DOCTYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def participant(party: Party) -> str:
    return f"{SCHEME[party.country]}:{party.org_number}"


def folder_name(identifier: str) -> str:
    return identifier.replace(":", "_")


def sbd(invoice: bytes, *, sender: str, receiver: str, instance: str) -> bytes:
    body = invoice.split(b"?>", 1)[1] if invoice.lstrip().startswith(b"<?xml") else invoice
    header = f"""<?xml version="1.0" encoding="UTF-8"?>
<StandardBusinessDocument xmlns="{SBDH}">
  <StandardBusinessDocumentHeader>
    <HeaderVersion>1.0</HeaderVersion>
    <Sender><Identifier Authority="iso6523-actorid-upis">{sender}</Identifier></Sender>
    <Receiver><Identifier Authority="iso6523-actorid-upis">{receiver}</Identifier></Receiver>
    <DocumentIdentification>
      <Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2</Standard>
      <TypeVersion>2.1</TypeVersion>
      <InstanceIdentifier>{instance}</InstanceIdentifier>
      <Type>Invoice</Type>
      <CreationDateAndTime>2026-12-01T10:00:00Z</CreationDateAndTime>
    </DocumentIdentification>
    <BusinessScope>
      <Scope><Type>DOCUMENTID</Type><InstanceIdentifier>{INVOICE_DOCTYPE}</InstanceIdentifier></Scope>
      <Scope><Type>PROCESSID</Type><InstanceIdentifier>{PROCESS}</InstanceIdentifier></Scope>
    </BusinessScope>
  </StandardBusinessDocumentHeader>
"""
    return header.encode() + body.strip() + b"\n</StandardBusinessDocument>\n"


def persist(
    inbound: Path, invoice: CorpusInvoice, *, seller: Party, buyer: Party, age: float = 60.0
) -> Path:
    """Write the message as Oxalis does; `age` seconds old (a finished write)."""
    sender, receiver = participant(seller), participant(buyer)
    instance = str(uuid.uuid4())
    folder = inbound / folder_name(receiver) / folder_name(sender)
    folder.mkdir(parents=True, exist_ok=True)
    document = folder / f"{instance}.doc.xml"
    partial = folder / f".{instance}.tmp"  # written aside, then renamed: never half a file
    partial.write_bytes(sbd(invoice.content, sender=sender, receiver=receiver, instance=instance))
    partial.replace(document)
    receipt = folder / f"{instance}.receipt.dat"
    receipt.write_bytes(f"AS4 receipt for {instance}\n".encode())
    for path in (document, receipt):
        stamp = path.stat().st_mtime - age
        os.utime(path, (stamp, stamp))
    return document
