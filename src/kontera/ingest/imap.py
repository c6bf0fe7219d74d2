"""IMAP (imap-tools): the only module that talks to a company's external mailbox.

It lists messages newer than a UID, fetches their exact bytes (`BODY.PEEK[]`, so nothing is
marked read by the fetch itself), and afterwards moves them to a folder or flags them.
Connection, login and protocol failures become `TransientError`/`PermanentError` with a
message a bookkeeper can act on.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from imap_tools import AND
from imap_tools import BaseMailBox
from imap_tools import MailBox
from imap_tools import MailBoxStartTls
from imap_tools import MailBoxUnencrypted
from imap_tools import MailMessageFlags
from imap_tools import U
from imap_tools.errors import ImapToolsError
from imap_tools.errors import MailboxLoginError

from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.domain.messages import msg

# A keyword (custom flag) besides \Seen, so "flag" mode can be told apart from a person reading.
IMPORTED_KEYWORD = "$KonteraImported"
SECURITY = ("ssl", "starttls", "none")


@dataclass(frozen=True, slots=True)
class ImapAccount:
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str = "INBOX"

    def __repr__(self) -> str:  # never print the password
        return f"ImapAccount({self.username}@{self.host}:{self.port}/{self.folder})"


class ImapConnection:
    def __init__(self, mailbox: BaseMailBox) -> None:
        self._mailbox = mailbox

    def uidvalidity(self) -> int:
        status = self._mailbox.folder.status(None, ["UIDVALIDITY"])
        return int(status["UIDVALIDITY"])

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than `last_uid`, ascending. (`n:*` also matches the last message, so
        the result is filtered: RFC 3501 §6.4.8.)"""
        found = self._mailbox.uids(AND(uid=U(str(last_uid + 1), "*")))
        return sorted(uid for uid in (int(u) for u in found) if uid > last_uid)

    def fetch_raw(self, uid: int) -> bytes | None:
        """The message exactly as stored on the server; None if it vanished meanwhile."""
        status, data = self._mailbox.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if status != "OK":
            raise TransientError(msg("The mail server did not return message {uid}.", uid=uid))
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None

    def move(self, uid: int, folder: str) -> None:
        if not self._mailbox.folder.exists(folder):
            self._mailbox.folder.create(folder)
        self._mailbox.move(str(uid), folder)

    def flag(self, uid: int) -> None:
        self._mailbox.flag(str(uid), [MailMessageFlags.SEEN, IMPORTED_KEYWORD], True)


@contextmanager
def connect(account: ImapAccount, *, timeout: float = 30.0) -> Iterator[ImapConnection]:
    """Log in and select the folder; translate what can go wrong on the way."""
    try:
        mailbox = _client(account, timeout)
        mailbox.login(account.username, account.password, initial_folder=account.folder)
    except MailboxLoginError as e:
        raise PermanentError(
            msg(
                "The mail server {host} refused the login for {username}; check the user name "
                "and password.",
                host=account.host,
                username=account.username,
            )
        ) from e
    except ImapToolsError as e:
        raise PermanentError(
            msg(
                "The folder {folder} could not be opened: {e}",
                folder=repr(account.folder),
                e=str(e),
            )
        ) from e
    except (OSError, ssl.SSLError, imaplib.IMAP4.error) as e:
        raise TransientError(
            msg(
                "Could not connect to the mail server {host}:{port} ({e}).",
                host=account.host,
                port=account.port,
                e=str(e),
            )
        ) from e
    try:
        yield ImapConnection(mailbox)
    except (TimeoutError, OSError, imaplib.IMAP4.error, ImapToolsError) as e:
        raise TransientError(
            msg("The connection to {host} failed: {e}", host=account.host, e=str(e))
        ) from e
    finally:
        try:
            mailbox.logout()
        except (OSError, imaplib.IMAP4.error, ImapToolsError):
            pass  # the connection is gone already; nothing left to close


def _client(account: ImapAccount, timeout: float) -> BaseMailBox:
    if account.security == "ssl":
        return MailBox(account.host, account.port, timeout=timeout)
    if account.security == "starttls":
        return MailBoxStartTls(account.host, account.port, timeout=timeout)
    if account.security == "none":
        return MailBoxUnencrypted(account.host, account.port, timeout=timeout)
    raise PermanentError(
        msg(
            "Unknown IMAP security {security}; use one of {SECURITY}.",
            security=repr(account.security),
            SECURITY=SECURITY,
        )
    )
