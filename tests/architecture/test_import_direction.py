"""design.md: api, review, jobs, cli → services → {interpret, suggest, post, ingest} → store.

`domain` is at the bottom and imports nothing of the project.

Walks every module's AST and fails on an import that runs against that direction; inside
`interpret` and `services` it does the same for their sub-packages (rules at the bottom).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
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


# Within the two big packages, their sub-packages (docs/architecture.md).
# interpret: the field finder works on read pages only; pages are read, then handed to the
# field finder; e-invoices are checked and rendered. `checks` reads one marker of the XML
# readers (`einvoice/xmlfields.py: UNREADABLE`). The sub-packages use the top only for the
# shared types (`base.py`, `textpage.py`); the entry (`registry.py`) picks among them.
INTERPRET_MAY_IMPORT = {
    "einvoice": {"checks", "pages", "render"},
    "checks": {"einvoice.xmlfields"},
    "pages": {"fields"},
    "fields": set(),
    "render": set(),
}
INTERPRET_SHARED = {"base", "textpage"}
# services: four lower sub-packages in a one-way chain, suggest → post → ops → admin (each may
# import those after it), which never import the workflow above them (receive, pipeline,
# review, attest, sync); those may import each other and every lower one.
SERVICES_LOWER = ("admin", "ops", "post", "suggest")
SERVICES_UPPER = {"receive", "pipeline", "review", "attest", "sync"}


def runtime_imports_of(path: Path) -> list[str]:
    """Imported modules (with each imported name as a possible submodule), leaving out the
    imports under `if TYPE_CHECKING:`: a type annotation is not a dependency at run time."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def inside(package: str, module: str) -> str | None:
    """`einvoice.xmlfields.X` → 'einvoice.xmlfields' for a module of `kontera.<package>`."""
    prefix = f"kontera.{package}."
    return module[len(prefix) :] if module.startswith(prefix) else None


def sub_package_violations(package: str, allowed: Callable[[str, str], bool]) -> list[str]:
    root = SRC / package
    problems = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        source = relative.parts[0] if len(relative.parts) > 1 else None
        if source is None:
            continue  # the package's top level may use every sub-package
        for module in runtime_imports_of(path):
            target = inside(package, module)
            if target is None or target.split(".")[0] == source:
                continue
            if not allowed(source, target):
                problems.append(f"{package}/{relative}: {source} must not import {module}")
    return problems


def interpret_allows(source: str, target: str) -> bool:
    first = target.split(".")[0]
    if not (SRC / "interpret" / first).is_dir():
        return first in INTERPRET_SHARED
    return any(
        first == rule or target.startswith(f"{rule}.") or target == rule
        for rule in INTERPRET_MAY_IMPORT[source]
    )


def services_allows(source: str, target: str) -> bool:
    first = target.split(".")[0]
    if not (SRC / "services" / first).is_dir():
        return True  # context.py: what every use case receives
    if source in SERVICES_UPPER:
        return True
    return first in SERVICES_LOWER[: SERVICES_LOWER.index(source)]


def test_interpret_sub_packages_import_one_way() -> None:
    assert sub_package_violations("interpret", interpret_allows) == []


def test_services_lower_sub_packages_never_import_the_workflow() -> None:
    assert sub_package_violations("services", services_allows) == []


def test_the_sub_package_rules_can_fail() -> None:
    assert not interpret_allows("fields", "pages.pdf")
    assert not interpret_allows("checks", "einvoice.ubl")
    assert interpret_allows("checks", "einvoice.xmlfields.UNREADABLE")
    assert not interpret_allows("pages", "registry")
    assert not services_allows("admin", "ops.health")
    assert not services_allows("suggest", "pipeline.derive")
    assert services_allows("post", "admin.companies")
    assert set(INTERPRET_MAY_IMPORT) == {
        p.name for p in (SRC / "interpret").iterdir() if (p / "__init__.py").exists()
    }
    assert set(SERVICES_LOWER) | SERVICES_UPPER == {
        p.name for p in (SRC / "services").iterdir() if (p / "__init__.py").exists()
    }
