"""The reader for a company's connector: the ledger behind it, read for the sync."""

from __future__ import annotations

from kontera.domain.errors import InvalidInput
from kontera.post.connector import Connector
from kontera.post.fortnox import FortnoxConnector
from kontera.post.poweroffice import PowerOfficeConnector
from kontera.post.sync import LedgerReader
from kontera.post.sync_fortnox import FortnoxReader
from kontera.post.sync_poweroffice import PAGE
from kontera.post.sync_poweroffice import PowerOfficeReader
from kontera.post.sync_tripletex import TripletexReader
from kontera.post.tripletex import TripletexConnector

SYSTEM_NAMES = {"tripletex": "Tripletex", "fortnox": "Fortnox", "poweroffice": "PowerOffice Go"}


def reader_for(connector: Connector, page_size: int | None = None) -> LedgerReader:
    """`page_size` (the connection's `page_size` setting) only applies to PowerOffice Go,
    whose pages can be made smaller than its 5 000 default."""
    if isinstance(connector, TripletexConnector):
        return TripletexReader(connector)
    if isinstance(connector, FortnoxConnector):
        return FortnoxReader(connector)
    if isinstance(connector, PowerOfficeConnector):
        return PowerOfficeReader(connector, page_size or PAGE)
    raise InvalidInput("The company exports files; there is no ledger to read from.")
