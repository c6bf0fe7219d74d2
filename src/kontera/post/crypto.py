"""Accounting-system tokens encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key is derived from Kontera's secret (`KONTERA_SECRET_KEY`, read by config and passed in
here as a value) with HKDF, so the same secret can safely feed other derived keys. Older
secrets may be passed too: decryption tries each, encryption uses the first, and
`rotate` re-encrypts a token under the current one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kontera.post.http import CredentialsRejected
from kontera.post.oauth import OAuthTokens

_INFO = b"kontera/post/token-encryption/v1"


def derive_key(secret: str | bytes) -> bytes:
    """A Fernet key from Kontera's secret; the same secret always gives the same key."""
    raw = secret.encode() if isinstance(secret, str) else secret
    if len(raw) < 16:
        raise ValueError("KONTERA_SECRET_KEY must be at least 16 characters long.")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(raw))


class TokenCipher:
    def __init__(self, secret: str | bytes, *older_secrets: str | bytes) -> None:
        keys = [Fernet(derive_key(s)) for s in (secret, *older_secrets)]
        self._fernet = MultiFernet(keys)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise CredentialsRejected(
                "The stored connection cannot be read with the current secret key; "
                "connect the company to the accounting system again."
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the current secret (after KONTERA_SECRET_KEY changed)."""
        return self._fernet.rotate(ciphertext.encode()).decode()


class EncryptedTokenStore:
    """A `TokenStore` over any place that keeps one text value (a DB column, a file)."""

    def __init__(
        self,
        cipher: TokenCipher,
        load_text: Callable[[], str | None],
        save_text: Callable[[str], None],
    ) -> None:
        self.cipher = cipher
        self.load_text = load_text
        self.save_text = save_text

    def load(self) -> OAuthTokens | None:
        text = self.load_text()
        return None if text is None else OAuthTokens.from_json(self.cipher.decrypt(text))

    def save(self, tokens: OAuthTokens) -> None:
        self.save_text(self.cipher.encrypt(tokens.to_json()))
