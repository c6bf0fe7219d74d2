"""Secrets at rest and signed values, all from one derivation of Kontera's secret key.

Every key Kontera uses is derived from `KONTERA_SECRET_KEY` (read by config and passed in
here as a value) with HKDF-SHA256 and a purpose label, so the key that encrypts accounting
tokens opens nothing else, and a new purpose never needs a new secret:

| purpose | protects |
|---|---|
| `TOKENS` | accounting-system credentials and OAuth tokens, webhook signing secrets (Fernet) |
| `MAILBOX` | passwords of companies' IMAP mailboxes (Fernet) |
| `OAUTH_STATE` | the signed `state` of the Fortnox sign-in (itsdangerous) |
| `ATTEST_LINK` | the signed, expiring link in an attestation e-mail (itsdangerous) |

A `Keyring` holds the current secret and the previous ones (`KONTERA_SECRET_KEY_PREVIOUS`):
decryption and signature checks accept any of them, encryption and signing use the current
one, and `rotate` re-encrypts a value under the current one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from collections.abc import Sequence

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kontera.post.http import CredentialsRejected
from kontera.post.oauth import OAuthTokens

TOKENS = b"kontera/post/token-encryption/v1"
MAILBOX = b"kontera/mail/imap-password/v2"
OAUTH_STATE = b"kontera/oauth/state/v1"
ATTEST_LINK = b"kontera/attest/link/v1"
MIN_SECRET_LENGTH = 16


def derive_key(secret: str | bytes, purpose: bytes = TOKENS) -> bytes:
    """A 256-bit key (urlsafe base64, as Fernet wants it) for one purpose of one secret."""
    raw = secret.encode() if isinstance(secret, str) else secret
    if len(raw) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"KONTERA_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long."
        )
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return base64.urlsafe_b64encode(hkdf.derive(raw))


class Keyring:
    """The current secret first, then older ones that may still have encrypted something."""

    def __init__(self, current: str | bytes, previous: Sequence[str | bytes] = ()) -> None:
        self.secrets = (current, *previous)

    def cipher(self, purpose: bytes = TOKENS) -> TokenCipher:
        return TokenCipher(*self.secrets, purpose=purpose)

    def signing_keys(self, purpose: bytes) -> list[bytes]:
        """Oldest first, as itsdangerous wants them: it signs with the last, accepts any."""
        return [derive_key(secret, purpose) for secret in reversed(self.secrets)]


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) under the current secret; reads older ones too."""

    def __init__(self, secret: str | bytes, *older_secrets: str | bytes, purpose: bytes = TOKENS):
        keys = [Fernet(derive_key(s, purpose)) for s in (secret, *older_secrets)]
        self._current = keys[0]
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

    def is_current(self, ciphertext: str) -> bool:
        """Encrypted under the current secret already (nothing for `rotate` to do)."""
        try:
            self._current.decrypt(ciphertext.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the current secret (after KONTERA_SECRET_KEY changed)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise CredentialsRejected(
                "A stored secret cannot be read with the current or any previous secret key."
            ) from None


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
