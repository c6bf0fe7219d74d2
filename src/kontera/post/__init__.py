"""Posting approved invoices into accounting systems: exactly once, with the attachment.

    build_voucher(invoice, approved postings)     → Voucher (balanced, gross, signed)
    make_connector(connection, secrets, …)        → Connector (Tripletex, Fortnox, PowerOffice,
                                                    file export)
    advance(job, connector, voucher, file, save)  → PostingJob: pending → voucher_created →
                                                    posted, or failed with the system's words

The outbox stores `PostingJob.to_json()`; running `advance` again from any saved state never
creates a second voucher or attachment (each step is looked up by idempotency key first).
"""

from __future__ import annotations

from kontera.post.connections import AppSecrets
from kontera.post.connections import Connection
from kontera.post.connections import System
from kontera.post.connections import make_connector
from kontera.post.connector import AttachmentFile
from kontera.post.connector import Connector
from kontera.post.connector import PostResult
from kontera.post.crypto import EncryptedTokenStore
from kontera.post.crypto import Keyring
from kontera.post.crypto import TokenCipher
from kontera.post.http import CallRecord
from kontera.post.http import CredentialsRejected
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.job import advance_journal
from kontera.post.job import retry_failed
from kontera.post.oauth import OAuthState
from kontera.post.oauth import OAuthTokens
from kontera.post.oauth import authorization_url
from kontera.post.oauth import exchange_code
from kontera.post.oauth import make_state
from kontera.post.oauth import new_nonce
from kontera.post.oauth import read_state
from kontera.post.ratelimit import RateLimiters
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import approved_from_suggestions
from kontera.post.voucher_builder import build_voucher
from kontera.post.webhooks import ReceiverRefused
from kontera.post.webhooks import ReceiverUnavailable
from kontera.post.webhooks import WebhookSender

__all__ = [
    "AppSecrets",
    "ApprovedPosting",
    "AttachmentFile",
    "CallRecord",
    "Connection",
    "Connector",
    "CredentialsRejected",
    "EncryptedTokenStore",
    "Keyring",
    "OAuthState",
    "OAuthTokens",
    "PostResult",
    "PostingJob",
    "RateLimiters",
    "ReceiverRefused",
    "ReceiverUnavailable",
    "Step",
    "System",
    "TokenCipher",
    "VoucherOptions",
    "WebhookSender",
    "advance",
    "advance_journal",
    "approved_from_suggestions",
    "authorization_url",
    "build_voucher",
    "exchange_code",
    "make_connector",
    "make_state",
    "new_nonce",
    "read_state",
    "retry_failed",
]
