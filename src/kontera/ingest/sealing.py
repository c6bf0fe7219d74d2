"""The first form of stored mailbox passwords (PBKDF2-derived Fernet key): read only.

Mailbox passwords are now encrypted like every other stored secret
(`kontera.services.admin.secrets.mailbox_cipher`, HKDF from `kontera.post.crypto`). Values of this
older form are still read, and `kontera rotate-secrets` rewrites them in the current one;
`seal` remains so that tests can make such values.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken

from kontera.domain.errors import PermanentError

_PURPOSE = b"kontera/mail/imap-password/v1"


@functools.lru_cache(maxsize=4)  # the derivation is slow on purpose
def _fernet(secret_key: str) -> Fernet:
    key = hashlib.pbkdf2_hmac("sha256", secret_key.encode(), _PURPOSE, 100_000)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, password: str) -> str:
    return _fernet(secret_key).encrypt(password.encode()).decode("ascii")


def unseal(secret_key: str, sealed: str) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed.encode("ascii")).decode()
    except InvalidToken as e:
        raise PermanentError(
            "The stored mailbox password cannot be read (was KONTERA_SECRET_KEY changed?); "
            "enter the password again."
        ) from e
