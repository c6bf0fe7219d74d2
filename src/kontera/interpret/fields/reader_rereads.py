"""A scan's references as they were probably printed: OCR reads letters for digits.

"INV-4637I", "2O24-118" and "Nr. 10024!" were printed with digits; each re-reading is one more
candidate beside what OCR read (`reader_hits` marks it), so the ranking decides, not a rule.
"""

from __future__ import annotations

import re

from kontera.interpret.fields.parse_text import Found

REREAD = "reread"
# Letters OCR reads for digits: "INV-4637I", "2O24-118", "Nr. 10024!" were printed with digits.
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "!": "1"})
_TOKEN = re.compile(r"(?<![\w!|])[A-Za-z0-9][\w/.\-]*[\w!|]")


def ocr_rereadings(text: str) -> list[Found[str]]:
    """References with OCR's usual letter-for-digit confusions undone: a look-alike letter
    next to a digit, or closing a token that has digits or with a mark ("Snippet!" for
    "Snippet1"). Each is one more candidate beside what OCR read, marked as re-read."""
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        chars = list(token)
        has_digit = any(c.isdigit() for c in token)
        for i, char in enumerate(token):
            digit_beside = any(0 <= j < len(token) and token[j].isdigit() for j in (i - 1, i + 1))
            # Closing a token that has digits ("10024!", "F3454l"), or a mark no word ends in:
            # "Subtotal" and "Fakturadato" are words, not "Subtota1" and "Fakturadat0".
            closing = i == len(token) - 1 and (has_digit or char in "|!")
            if char in "OoIl|!" and (digit_beside or closing):
                chars[i] = char.translate(_LOOKALIKES)
        reread = "".join(chars)
        if reread != token and any(c.isdigit() for c in reread):
            found.append(Found(reread, match.start(), match.end()))
    return found
