"""SPF, DKIM and DMARC for a received message: the only module that judges mail senders.

The `From:` header is whatever the sender typed, so it proves nothing by itself. Here a
message is checked the way receiving mail servers do it:

- **DKIM** (dkimpy): every `DKIM-Signature` is verified against the signer's public key in DNS.
- **SPF** (pyspf): may the connecting IP send mail for the envelope sender's domain (or the
  HELO name when the envelope sender is empty)? Only the SMTP receiver knows that IP; for mail
  fetched by IMAP SPF is `none` here and DKIM carries the verdict.
- **DMARC** (RFC 7489, over the two): the `From:` domain must be *aligned* with a domain that
  passed: the SPF domain or a DKIM signer, the same organisational domain (public suffix list)
  or, with `adkim=s`/`aspf=s`, exactly the same domain. The policy record is looked up at
  `_dmarc.<from domain>`, then at the organisational domain.

The verdict is kept with the message as an RFC 8601 `Authentication-Results` header
(authres). DNS goes through one injectable dnspython `Resolver` (`KONTERA_MAIL_DNS_SERVER`),
so tests answer from a loopback server; a DNS failure is a `temperror`, never a crash.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from email.utils import getaddresses
from email.utils import parseaddr
from typing import Any

import authres
import authres.dmarc
import dkim
import dns.exception
import dns.resolver
import spf
from publicsuffixlist import PublicSuffixList

log = logging.getLogger(__name__)

PASS = "pass"
_PSL = PublicSuffixList()
_resolver: contextvars.ContextVar[dns.resolver.Resolver | None] = contextvars.ContextVar(
    "kontera_spf_resolver", default=None
)


def make_resolver(server: str | None = None, *, timeout: float = 5.0) -> dns.resolver.Resolver:
    """The system's resolver, or `host[:port]` (a local validating resolver, a test server)."""
    if server:
        host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host or server]
        resolver.port = int(port) if port else 53
    else:
        resolver = dns.resolver.Resolver()
    resolver.lifetime = timeout
    resolver.timeout = timeout
    return resolver


@dataclass(frozen=True, slots=True)
class Signature:
    domain: str
    selector: str
    result: str


@dataclass(frozen=True, slots=True)
class AuthVerdict:
    """What SPF, DKIM and DMARC say about one message."""

    from_domain: str | None
    spf: str
    spf_domain: str | None
    dkim: tuple[Signature, ...]
    dmarc: str
    dmarc_policy: str | None
    aligned_by: tuple[str, ...] = field(default=())  # "spf", "dkim"
    header: str = ""

    @property
    def aligned(self) -> bool:
        """DMARC-aligned: the From domain is the one that SPF or DKIM vouched for."""
        return bool(self.aligned_by)

    def signed_by(self, domain: str) -> bool:
        """A passing DKIM signature of `domain` or of a subdomain of it."""
        wanted = domain.lower().lstrip("@")
        return any(
            s.result == PASS and (s.domain == wanted or s.domain.endswith("." + wanted))
            for s in self.dkim
        )

    def summary(self) -> str:
        dkim_text = ", ".join(f"{s.result} ({s.domain})" for s in self.dkim) or "none"
        aligned = f", aligned by {' and '.join(self.aligned_by).upper()}" if self.aligned else ""
        return f"SPF {self.spf}, DKIM {dkim_text}, DMARC {self.dmarc}{aligned}"

    def to_json(self) -> dict[str, Any]:
        return {
            "from_domain": self.from_domain,
            "spf": self.spf,
            "spf_domain": self.spf_domain,
            "dkim": [
                {"domain": s.domain, "selector": s.selector, "result": s.result} for s in self.dkim
            ],
            "dmarc": self.dmarc,
            "dmarc_policy": self.dmarc_policy,
            "aligned_by": list(self.aligned_by),
            "summary": self.summary(),
            "header": self.header,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuthVerdict:
        return cls(
            from_domain=data.get("from_domain"),
            spf=data.get("spf", "none"),
            spf_domain=data.get("spf_domain"),
            dkim=tuple(Signature(**s) for s in data.get("dkim", [])),
            dmarc=data.get("dmarc", "none"),
            dmarc_policy=data.get("dmarc_policy"),
            aligned_by=tuple(data.get("aligned_by", [])),
            header=data.get("header", ""),
        )


NOT_CHECKED = AuthVerdict(None, "none", None, (), "none", None)


@dataclass(frozen=True, slots=True)
class SmtpClient:
    """What the SMTP receiver saw of the sending server."""

    ip: str | None
    helo: str | None
    mail_from: str | None
    tls: bool = False


class MailAuthenticator:
    def __init__(
        self, resolver: dns.resolver.Resolver | None = None, *, authserv_id: str = "kontera"
    ) -> None:
        self.resolver = resolver or make_resolver()
        self.authserv_id = authserv_id

    def verify(self, raw: bytes, client: SmtpClient | None = None) -> AuthVerdict:
        from_domain = _from_domain(raw)
        signatures = tuple(self._dkim(raw))
        spf_result, spf_domain = self._spf(client)
        record = self._dmarc_record(from_domain) if from_domain else None
        aligned = _aligned_by(from_domain, record or {}, spf_result, spf_domain, signatures)
        if record is None:
            dmarc = "none"  # no policy published; alignment is still judged (`aligned_by`)
        elif "error" in record:
            dmarc = "temperror"
        else:
            dmarc = PASS if aligned else "fail"
        policy = (record or {}).get("p")
        verdict = AuthVerdict(
            from_domain, spf_result, spf_domain, signatures, dmarc, policy, aligned
        )
        return _with_header(verdict, self.authserv_id)

    # --- DKIM ----------------------------------------------------------------------------

    def _dkim(self, raw: bytes) -> Iterator[Signature]:
        try:
            checker = dkim.DKIM(raw, timeout=int(self.resolver.lifetime))
            count = len([h for h in checker.headers if h[0].lower() == b"dkim-signature"])
        except Exception:  # unparsable headers: no signature can be checked
            log.info("DKIM: message headers could not be read")
            return
        for index in range(count):
            yield self._one_signature(raw, index)

    def _one_signature(self, raw: bytes, index: int) -> Signature:
        checker = dkim.DKIM(raw, timeout=int(self.resolver.lifetime))
        try:
            ok = checker.verify(idx=index, dnsfunc=self._txt)
        except dns.exception.DNSException:
            return Signature(_text(checker.domain), _text(checker.selector), "temperror")
        except Exception:  # a malformed signature or key: it vouches for nothing
            ok = False
        return Signature(_text(checker.domain), _text(checker.selector), PASS if ok else "fail")

    def _txt(self, name: bytes, timeout: int = 5) -> bytes | None:
        try:
            answer = self.resolver.resolve(name.decode().rstrip("."), "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        return b"".join(b"".join(r.strings) for r in answer)

    # --- SPF -----------------------------------------------------------------------------

    def _spf(self, client: SmtpClient | None) -> tuple[str, str | None]:
        if client is None or not client.ip:
            return "none", None
        sender = (client.mail_from or "").strip("<>")
        helo = client.helo or ""
        domain = sender.rpartition("@")[2].lower() if "@" in sender else helo.lower()
        identity = sender if "@" in sender else f"postmaster@{helo}"
        token = _resolver.set(self.resolver)
        try:
            result, _explanation = spf.check2(
                i=client.ip, s=identity, h=helo, querytime=self.resolver.lifetime * 2
            )
        except Exception:  # a broken record or a library error is an error result
            log.info("SPF check failed", exc_info=True)
            result = "temperror"
        finally:
            _resolver.reset(token)
        return str(result), domain or None

    # --- DMARC ---------------------------------------------------------------------------

    def _dmarc_record(self, from_domain: str) -> dict[str, str] | None:
        """The DMARC tags of the From domain (or its organisational domain); None if none."""
        candidates = [from_domain]
        organisational = organisational_domain(from_domain)
        if organisational != from_domain:
            candidates.append(organisational)
        for domain in candidates:
            try:
                answer = self.resolver.resolve(f"_dmarc.{domain}", "TXT")
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
            except dns.exception.DNSException:
                return {"error": "dns"}
            for record in answer:
                text = b"".join(record.strings).decode("utf-8", "replace")
                if text.lower().startswith("v=dmarc1"):
                    return _tags(text)
        return None


def organisational_domain(domain: str) -> str:
    return str(_PSL.privatesuffix(domain.lower()) or domain.lower())


def _aligned_by(
    from_domain: str | None,
    record: dict[str, str],
    spf_result: str,
    spf_domain: str | None,
    signatures: tuple[Signature, ...],
) -> tuple[str, ...]:
    if not from_domain:
        return ()
    found = []
    if spf_result == PASS and spf_domain and _same(spf_domain, from_domain, record.get("aspf")):
        found.append("spf")
    if any(
        s.result == PASS and _same(s.domain, from_domain, record.get("adkim")) for s in signatures
    ):
        found.append("dkim")
    return tuple(found)


def _same(domain: str, from_domain: str, mode: str | None) -> bool:
    if (mode or "r").lower() == "s":
        return domain.lower() == from_domain.lower()
    return organisational_domain(domain) == organisational_domain(from_domain)


def _tags(text: str) -> dict[str, str]:
    tags = {}
    for part in text.split(";"):
        key, _, value = part.strip().partition("=")
        if key:
            tags[key.strip().lower()] = value.strip()
    return tags


def _from_domain(raw: bytes) -> str | None:
    """The domain of the (single) `From:` address; None when missing or ambiguous."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    values = []
    lines = head.replace("\r\n", "\n").split("\n")
    for n, line in enumerate(lines):
        if line.lower().startswith("from:"):
            value = line[5:]
            for follow in lines[n + 1 :]:
                if not follow[:1].isspace():
                    break
                value += " " + follow.strip()
            values.append(value)
    if len(values) != 1:  # DMARC: no From, or several, cannot be judged
        return None
    addresses = [a for _, a in getaddresses(values) if "@" in a]
    if len(addresses) != 1:
        return None
    return parseaddr(addresses[0])[1].rpartition("@")[2].lower().strip(".") or None


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return (value.decode("ascii", "replace") if isinstance(value, bytes) else value).lower()


def _with_header(verdict: AuthVerdict, authserv_id: str) -> AuthVerdict:
    results: list[Any] = [
        authres.SPFAuthenticationResult(
            result=verdict.spf, smtp_mailfrom=verdict.spf_domain or None
        )
    ]
    results += [
        authres.DKIMAuthenticationResult(
            result=s.result, header_d=s.domain or None, header_s=s.selector or None
        )
        for s in verdict.dkim
    ] or [authres.DKIMAuthenticationResult(result="none")]
    results.append(
        authres.dmarc.DMARCAuthenticationResult(
            result=verdict.dmarc,
            header_from=verdict.from_domain or None,
            policy=verdict.dmarc_policy or None,
        )
    )
    header = authres.AuthenticationResultsHeader(authserv_id=authserv_id, results=results)
    return AuthVerdict(
        verdict.from_domain,
        verdict.spf,
        verdict.spf_domain,
        verdict.dkim,
        verdict.dmarc,
        verdict.dmarc_policy,
        verdict.aligned_by,
        str(header),
    )


# pyspf asks DNS through a module-level function; route it to the resolver of the check in
# progress (a context variable, so concurrent checks in other threads keep their own).
def _spf_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 20) -> list[Any]:
    resolver = _resolver.get() or make_resolver()
    try:
        answer = resolver.resolve(name, qtype)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as e:
        raise spf.TempError(f"DNS {e}") from None
    found: list[Any] = []
    for record in answer:
        if qtype in ("A", "AAAA"):
            found.append(((name, qtype), record.address))
        elif qtype == "MX":
            found.append(((name, qtype), (record.preference, record.exchange)))
        elif qtype == "PTR":
            found.append(((name, qtype), record.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            found.append(((name, qtype), record.strings))
    return found


spf.DNSLookup = _spf_lookup
