"""Find every text that needs a translation, and keep the `.po` files in step with the code.

    python -m kontera.i18n.extract update   # add new message ids to nb and sv, drop unused
    python -m kontera.i18n.extract check    # list ids without a translation (exit 1 if any)

(`make messages` runs `update` then `check`.) What counts as a text for people:
- in Python, the first argument of `msg(…)`, `N_(…)`, `_(…)`, both of `msg_n(…)`, and the
  first argument of every Kontera error class (`raise NotFound("No such page.")`), found by
  walking the source for subclasses of `KonteraError`;
- in the UI templates, every `_("…")` (Jinja2's Babel extractor).
An f-string in those places cannot be translated; `unextractable()` lists them so a test
can fail on them.
"""

from __future__ import annotations

import ast
import contextlib
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

from kontera.i18n.catalogue import DOMAIN
from kontera.i18n.catalogue import LOCALES
from kontera.i18n.catalogue import SOURCE_LOCALE
from kontera.i18n.catalogue import po_path

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "review" / "templates"
PYTHON_KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "msg": None,
    "N_": None,
    "_": None,
    "msg_n": (1, 2),
}
ERROR_ROOT = "KonteraError"


@dataclass(frozen=True, slots=True)
class Found:
    msgid: str | tuple[str, str]
    where: str  # "path:line", for the translator's reference


def messages() -> list[Found]:
    """Every message id in the source, in a stable order."""
    keywords = {**PYTHON_KEYWORDS, **dict.fromkeys(error_classes())}
    found: list[Found] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found += _extract("python", path, keywords)
    for path in sorted(TEMPLATES.rglob("*.html")):
        found += _extract("jinja2.ext:babel_extract", path, {"_": None})
    return found + list(_error_defaults())


def _error_defaults() -> Iterator[Found]:
    """An error's docstring's first line is its default message (`raise NotFound()`)."""
    names = error_classes()
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in names:
                doc = ast.get_docstring(node)
                if doc:
                    where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                    yield Found(doc.strip().splitlines()[0], where)


def error_classes() -> set[str]:
    """Names of `KonteraError` and every class that derives from it, anywhere in the package."""
    bases: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_base_names(node))
    known = {ERROR_ROOT}
    grew = True
    while grew:
        new = {name for name, parents in bases.items() if parents & known} - known
        known |= new
        grew = bool(new)
    return known


def unextractable(*, include_errors: bool = True) -> list[str]:
    """`raise SomeError(f"…")` and `msg(f"…")`: texts the catalogue can never hold."""
    names = set(PYTHON_KEYWORDS) | (error_classes() if include_errors else set())
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _call_name(node) in names
                and node.args
                and isinstance(node.args[0], ast.JoinedStr)
            ):
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return problems


# Fixed header dates: a `.po` file changes only when its texts do, so that engineers adding
# strings at the same time do not conflict on a timestamp.
_FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)


def update() -> None:
    """Bring nb and sv in step with the source: new ids added untranslated, unused ones
    dropped, existing translations kept."""
    template = Catalog(domain=DOMAIN, project="Kontera", creation_date=_FIXED_DATE)
    for item in messages():
        template.add(item.msgid)
    for locale in LOCALES:
        if locale != SOURCE_LOCALE:
            _update_locale(locale, template)


def _update_locale(locale: str, template: Catalog) -> None:
    path = po_path(locale)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=locale, domain=DOMAIN, project="Kontera")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.revision_date = _FIXED_DATE
    catalog.fuzzy = False
    catalog.version = "1"
    catalog.last_translator = catalog.language_team = "Kontera"
    catalog.msgid_bugs_address = ""
    catalog.header_comment = (
        f"# Kontera's texts in {locale}. Translate each msgstr; `make messages` adds the new\n"
        "# message ids of the code and drops unused ones (docs/i18n.md)."
    )
    with path.open("wb") as handle:
        write_po(
            handle,
            catalog,
            width=100,
            no_location=True,
            ignore_obsolete=True,
            sort_output=True,
        )


def missing(locale: str) -> list[str]:
    """Message ids of the source that `locale` does not translate (or marks fuzzy)."""
    path = po_path(locale)
    if not path.exists():
        return sorted({_key(f.msgid) for f in messages()})
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    out = []
    for item in messages():
        entry = catalog.get(item.msgid)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple | list):
            strings = "" if not all(strings) else strings[0]
        if entry is None or entry.fuzzy or not strings:
            out.append(_key(item.msgid))
    return sorted(set(out))


def _extract(
    method: str, path: Path, keywords: dict[str, tuple[int, ...] | None]
) -> Iterator[Found]:
    # Babel warns on stderr about f-strings; `unextractable()` reports them instead.
    with path.open("rb") as handle, contextlib.redirect_stderr(io.StringIO()):
        found = list(extract(method, handle, keywords=keywords))
    for lineno, msgid, _comments, _context in found:
        where = f"{path.relative_to(PACKAGE.parent)}:{lineno}"
        if isinstance(msgid, tuple):
            if len(msgid) >= 2 and msgid[0] and msgid[1]:
                yield Found((msgid[0], msgid[1]), where)
        elif msgid:
            yield Found(msgid, where)


def _key(msgid: str | tuple[str, str]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.add(base.id)
        elif isinstance(base, ast.Attribute):
            names.add(base.attr)
    return names


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    problems = 0
    for locale in LOCALES:
        if locale == SOURCE_LOCALE:
            continue
        for msgid in missing(locale):
            print(f"{locale}: no translation for {msgid!r}")
            problems += 1
    for where in unextractable():
        print(f"{where}: an f-string cannot be translated; use msg('… {{name}} …', name=…)")
        problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
