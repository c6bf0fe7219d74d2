"""A tinted sidebar or band is flattened to white before OCR; any other page goes to
Tesseract exactly as it came."""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))

from families.catalogue import FAMILIES
from families.generate import rasterise
from families.generate import render
from generate import degrade

from kontera.interpret.base import InterpretContext
from kontera.interpret.pages.background import flattened
from kontera.interpret.pages.image import ImageInterpreter

ROOT = Path(__file__).resolve().parents[2]
SIDEBAR = next(f for f in FAMILIES if f.name == "sidebar")
PLAIN = next(f for f in FAMILIES if f.name == "nordic_block")


def _scan(family: object, seed: str) -> Image.Image:
    sample = render(family, seed)  # type: ignore[arg-type]
    return degrade(rasterise(sample.pdf)[0], random.Random(f"scan-{seed}"))


def test_a_tinted_sidebar_reads_its_invoice_number_after_flattening() -> None:
    sample = render(SIDEBAR, "11-sidebar-3")
    scan = degrade(rasterise(sample.pdf)[0], random.Random("scan-11-sidebar-3"))
    # The sidebar (left, under the name) was a grey tint; it is as light as the paper now.
    for image, apart in ((scan, (20, 40)), (flattened(scan), (0, 10))):
        pixels = np.asarray(image, dtype=np.float32)
        tint, paper = np.median(pixels[700:1400, 60:400]), np.median(pixels[2000:2200, 600:1500])
        assert apart[0] <= paper - tint <= apart[1]
    buffer = io.BytesIO()
    scan.save(buffer, format="PNG", dpi=(200, 200))
    invoice = ImageInterpreter().interpret(buffer.getvalue(), InterpretContext()).invoice
    assert invoice.invoice_number == sample.truth["invoice_number"]


def test_an_untinted_page_is_left_byte_identical() -> None:
    scan = _scan(PLAIN, "11-nordic_block-0")
    before = scan.tobytes()
    assert flattened(scan) is scan
    assert scan.tobytes() == before
    fixture = Image.open(ROOT / "fixtures" / "pdf" / "no-left_labels-006.scan.jpg").convert("L")
    assert flattened(fixture) is fixture


def test_a_dark_band_is_no_tint_and_a_small_tint_is_not_worth_it() -> None:
    dark = np.full((1600, 1200), 250, dtype=np.uint8)
    dark[:, :400] = 60  # white text on a dark band would be washed out by dividing
    page = Image.fromarray(dark, mode="L")
    assert flattened(page) is page
    small = np.full((1600, 1200), 250, dtype=np.uint8)
    small[100:160, 100:600] = 228  # a shaded totals box: under 5 % of the page
    page = Image.fromarray(small, mode="L")
    assert flattened(page) is page
