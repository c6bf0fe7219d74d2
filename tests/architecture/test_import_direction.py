"""design.md: api, review, jobs, cli → services → {interpret, suggest, post, ingest} → store.

`domain` is at the bottom and imports nothing of the project.

Walks every module's AST and fails on an import that runs against that direction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "kontera"

LEVEL = {
    "domain": 0,
    "store": 1,
    "i18n": 1,  # the catalogue and locale formats: used by every layer that talks to people
    "interpret": 2,
    "suggest": 2,
    "post": 2,
    "ingest": 2,
    "services": 3,
    "api": 4,
    "review": 4,
    "jobs": 4,
    "commands": 4,
    "cli": 5,
    "web": 5,
}
# Leaves that any layer above the domain may read.
LEAVES = {"config", "logs", "telemetry"}
# Same level, but still forbidden: the middle packages are independent of each other,
# except that ingest may use the store (design.md) and interpret/suggest/post may not.
FORBIDDEN = {
    ("interpret", "store"),
    ("suggest", "store"),
    ("post", "store"),
    ("interpret", "suggest"),
    ("interpret", "post"),
    ("suggest", "post"),
    ("post", "suggest"),
    ("suggest", "interpret"),
    ("post", "interpret"),
    ("i18n", "store"),
    ("store", "i18n"),
}


def area_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "kontera" or len(parts) < 2:
        return None
    return parts[1]


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def violations() -> list[str]:
    problems = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC.parent).with_suffix("")
        source_area = area_of(".".join(relative.parts))
        if source_area is None or "migrations" in relative.parts:
            continue
        for module in imports_of(path):
            target = area_of(module)
            if target is None or target == source_area or module == "kontera":
                continue
            if target in LEAVES:
                if source_area == "domain":
                    problems.append(f"{relative}: domain imports {module}")
                continue
            if source_area in LEAVES:
                problems.append(f"{relative}: leaf module imports {module}")
                continue
            if (
                LEVEL.get(target, 99) > LEVEL.get(source_area, -1)
                or (source_area, target) in FORBIDDEN
                or (LEVEL.get(target) == LEVEL.get(source_area) and LEVEL.get(target) == 4)
            ):
                problems.append(f"{relative}: {source_area} must not import {module}")
    return problems


def test_every_import_follows_the_design_direction() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("domain", "store", False),
        ("services", "store", True),
        ("api", "services", True),
        ("interpret", "store", False),
        ("store", "services", False),
    ],
)
def test_the_rule_itself(source: str, target: str, allowed: bool) -> None:
    """The checker must be able to fail: the rule table judges known pairs correctly."""
    blocked = LEVEL[target] > LEVEL[source] or (source, target) in FORBIDDEN
    assert blocked is not allowed
