"""Whose books a history file holds: the organisation number in its header.

SAF-T names the company in `Header/Company/RegistrationNumber` (Norway: 9 digits, sometimes
written `NO 888 888 888 MVA`); SIE in `#ORGNR` (Sweden: `556654-7898`). A CSV export names
no company. Only the header is read, so a large file is not parsed twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from kontera.suggest.sie import read_sie_lines
from kontera.suggest.sie import tokens

_DIGITS = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class BooksOwner:
    org_number: str | None  # digits only
    name: str | None


UNKNOWN = BooksOwner(None, None)


def books_owner(path: Path, history_format: str) -> BooksOwner:
    if history_format == "saft":
        return _saft_owner(path)
    if history_format == "sie":
        return _sie_owner(path)
    return UNKNOWN


def org_digits(value: str | None) -> str | None:
    """`NO 888 888 888 MVA` and `888888888` are the same organisation: its digits."""
    digits = _DIGITS.sub("", value or "")
    return digits or None


def same_organisation(a: str | None, b: str | None) -> bool:
    return org_digits(a) == org_digits(b)


def _saft_owner(path: Path) -> BooksOwner:
    org = name = None
    try:
        for _, element in etree.iterparse(
            str(path), events=("end",), resolve_entities=False, no_network=True
        ):
            local = etree.QName(element).localname
            parent = element.getparent()
            in_company = parent is not None and etree.QName(parent).localname == "Company"
            if in_company and local == "RegistrationNumber":
                org = org_digits(element.text)
            elif in_company and local == "Name":
                name = (element.text or "").strip() or None
            elif local == "Header":
                break
    except etree.XMLSyntaxError:
        return UNKNOWN  # the history reader reports the broken file itself
    return BooksOwner(org, name)


def _sie_owner(path: Path) -> BooksOwner:
    org = name = None
    for line in read_sie_lines(path):
        fields = tokens(line.strip())
        if not fields:
            continue
        label = fields[0].upper()
        if label == "#ORGNR" and len(fields) > 1:
            org = org_digits(fields[1])
        elif label == "#FNAMN" and len(fields) > 1:
            name = fields[1].strip() or None
        elif label in ("#VER", "#TRANS"):
            break  # the identification records come first
    return BooksOwner(org, name)
