"""Hypothesis strategies and settings for fuzzing the parsers.

Bounded in CI: 20 examples per target, derandomised. For long runs either set
`KONTERA_FUZZ_EXAMPLES=5000`, or load this module as a plugin so its profile is registered
before hypothesis reads the command line:

    PYTHONPATH=. pytest -p tests.reliability.fuzzing --hypothesis-profile=kontera-long \
        tests/reliability

(2 000 examples per target); any other chosen profile's `max_examples` is used as is.
"""

from __future__ import annotations

import io
import os
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

from kontera.domain.errors import KonteraError

CI_EXAMPLES = 20
settings.register_profile(
    "kontera-long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Fragments that break parsers in interesting ways when spliced into valid documents.
HOSTILE = [
    b"<!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]>",
    b"<!ENTITY % p SYSTEM 'http://127.0.0.1:1/x'>",
    b"&a;&#0;&#xD800;",
    b"]]>",
    b"<![CDATA[",
    b"\x00\xff\xfe",
    b"99999999999999999999999999999999.999",
    b"-0,00",
    b"1e309",
    b"NaN",
    b"2026-02-30",
    b"0000-00-00",
    "æøå€".encode(),
    b"%PDF-1.7\n",
    b"stream\nx\x9c\x03\x00\x00\x00\x00\x01endstream",
    b"/Length 99999999",
    b"trailer<</Root 1 0 R/Size 99999999>>",
    b"obj<</Type/Pages/Kids[1 0 R]/Count 1>>",
]


def fuzz_settings(**overrides: Any) -> settings:
    """CI bounds unless a profile was chosen (the default profile runs 100 examples)."""
    current = settings.default
    default_examples = settings.get_profile("default").max_examples
    chosen = current is not None and current.max_examples != default_examples
    examples = current.max_examples if chosen and current is not None else CI_EXAMPLES
    if os.environ.get("KONTERA_FUZZ_EXAMPLES", "").isdigit():
        examples, chosen = int(os.environ["KONTERA_FUZZ_EXAMPLES"]), True
    base = {
        "max_examples": examples,
        "deadline": None,
        "derandomize": not chosen,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    return settings(**{**base, **overrides})


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with a few random edits: flips, cuts, duplications and hostile splices."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "truncate", "splice", "repeat", "insert"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":
            data[at:at] = draw(st.sampled_from(HOSTILE))
        elif kind == "repeat":
            data[at:at] = bytes(data[at : at + 32]) * draw(st.integers(2, 50))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


def drain(result: Any) -> None:
    """Consume a lazy result (a generator) so its parsing actually happens."""
    if hasattr(result, "__next__"):
        for _ in result:
            pass


def only_domain_errors(call: Any, *args: Any) -> None:
    """Run `call`; a KonteraError is a clean refusal, anything else escapes the test."""
    try:
        drain(call(*args))
    except KonteraError as e:
        assert e.message.strip(), "a refusal needs a readable message"


def as_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
