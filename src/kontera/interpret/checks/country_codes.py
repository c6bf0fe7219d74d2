"""ISO 3166-1 alpha-2 and ISO 4217 codes (from pycountry), plus the extra codes EN 16931 uses."""

from __future__ import annotations

import pycountry

# EN 16931 code lists add Kosovo ("1A") and Northern Ireland ("XI") to ISO 3166-1.
COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries) | {"1A", "XI"}
CURRENCY_CODES = frozenset(c.alpha_3 for c in pycountry.currencies)
