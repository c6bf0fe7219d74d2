"""docs/architecture.md's package table names exactly the packages of the tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "kontera"
DOC = ROOT / "docs" / "architecture.md"
SECTION = "## The packages as they are now"


def packages_in_tree() -> set[str]:
    """Every folder of `src/kontera` that holds Python modules, as a dotted name."""
    found = set()
    for module in SRC.rglob("*.py"):
        relative = module.parent.relative_to(SRC.parent)
        if "migrations" not in relative.parts and "__pycache__" not in relative.parts:
            found.add(".".join(relative.parts))
    return found


def packages_in_doc() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(kontera(?:\.\w+)*)`", section, flags=re.MULTILINE))


def test_every_package_is_in_the_doc_and_every_package_named_exists() -> None:
    in_tree, in_doc = packages_in_tree(), packages_in_doc()
    assert in_doc, f"no package table under {SECTION!r}"
    assert sorted(in_tree - in_doc) == [], "packages the doc does not describe"
    assert sorted(in_doc - in_tree) == [], "packages the doc names that do not exist"


def test_the_tree_walk_finds_namespace_packages_and_skips_migrations() -> None:
    assert "kontera.interpret" in packages_in_tree()
    assert "kontera.store" in packages_in_tree()  # a namespace package, no __init__.py
    assert "kontera.store.migrations" not in packages_in_tree()
