"""The inbox reader and the in-place completer for a company's connector."""

from __future__ import annotations

from typing import Any

from kontera.post.connector import Connector
from kontera.post.fortnox import FortnoxConnector
from kontera.post.inbox import Completer
from kontera.post.inbox import InboxReader
from kontera.post.inbox import InPlace
from kontera.post.inbox import WithLedgerFile
from kontera.post.inbox_fortnox import FortnoxCompleter
from kontera.post.inbox_fortnox import FortnoxInbox
from kontera.post.inbox_poweroffice import PowerOfficeCompleter
from kontera.post.inbox_poweroffice import PowerOfficeInbox
from kontera.post.inbox_tripletex import TripletexCompleter
from kontera.post.inbox_tripletex import TripletexInbox
from kontera.post.poweroffice import PowerOfficeConnector
from kontera.post.sync import ReadStats
from kontera.post.tripletex import TripletexConnector


def inbox_reader_for(connector: Connector, stats: ReadStats | None = None) -> InboxReader | None:
    """None for a connection without an inbox (file export)."""
    reader: InboxReader
    if isinstance(connector, TripletexConnector):
        reader = TripletexInbox(connector)
    elif isinstance(connector, FortnoxConnector):
        reader = FortnoxInbox(connector)
    elif isinstance(connector, PowerOfficeConnector):
        reader = PowerOfficeInbox(connector)
    else:
        return None
    if stats is not None:
        reader.stats = stats  # one count of calls for the whole sync run
    return reader


def completer_for(connector: Connector, settings: dict[str, Any]) -> Completer | None:
    if isinstance(connector, TripletexConnector):
        send = str(settings.get("inbox_send_to_ledger", "true")).lower() != "false"
        return TripletexCompleter(connector, send_to_ledger=send)
    if isinstance(connector, FortnoxConnector):
        return FortnoxCompleter(connector)
    if isinstance(connector, PowerOfficeConnector):
        return PowerOfficeCompleter(connector)
    return None


def in_place(
    connector: Connector, kind: str, details: dict[str, Any], settings: dict[str, Any]
) -> Connector:
    """The connector that completes the ledger's own item: the invoice waiting there, or (a
    file in Fortnox's file inbox) a new invoice with that file connected."""
    if kind == "inbox_file" and isinstance(connector, FortnoxConnector):
        return WithLedgerFile(connector, connector, str(details["file_id"]))
    completer = completer_for(connector, settings)
    if completer is None:
        return connector
    return InPlace(connector, completer, details)
