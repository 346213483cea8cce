"""Message catalogues compiled in pure Python (polib), so neither a build nor a test needs GNU gettext.

``makemessages`` (which does need GNU gettext) is a maintainer's step; everything after it — compiling the
``.mo`` files and checking that they are complete and current — is done here.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

# printf-style placeholders as Python's % operator reads them: %(name)s, %s, %d, %5.2f, and the literal %%.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0+-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def catalogues() -> list[Path]:
    """Every ``django.po`` under ``LOCALE_PATHS``, in a stable order."""
    found: set[Path] = set()
    for base in settings.LOCALE_PATHS:
        found.update(Path(base).glob("*/LC_MESSAGES/django.po"))
    return sorted(found)


def mo_path(po_path: Path | str) -> Path:
    return Path(po_path).with_suffix(".mo")


def compile_catalogue(po_path: Path | str) -> bytes:
    """The ``.mo`` bytes polib writes for this catalogue (fuzzy, obsolete and untranslated entries left out)."""
    return polib.pofile(str(po_path)).to_binary()


def write_catalogue(po_path: Path | str) -> Path:
    target = mo_path(po_path)
    polib.pofile(str(po_path)).save_as_mofile(str(target))
    return target


def placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text))


def _label(entry: polib.POEntry) -> str:
    label = entry.msgid if len(entry.msgid) <= 60 else entry.msgid[:57] + "..."
    return f"{entry.msgctxt}|{label}" if entry.msgctxt else label


def problems(po_path: Path | str) -> list[str]:
    """What keeps a catalogue from being complete and usable, one line each (empty: nothing)."""
    po = polib.pofile(str(po_path))
    found: list[str] = []
    if po.metadata_is_fuzzy:
        found.append("header: marked fuzzy")
    if "charset=utf-8" not in po.metadata.get("Content-Type", "").lower().replace(" ", ""):
        found.append("header: Content-Type is not text/plain; charset=UTF-8")
    nplurals = _nplurals(po.metadata.get("Plural-Forms", ""))
    if nplurals is None:
        found.append("header: no Plural-Forms")
    for entry in po:
        if entry.obsolete:
            continue
        label = _label(entry)
        if entry.fuzzy:
            found.append(f"fuzzy: {label!r}")
            continue
        if not entry.translated():
            found.append(f"untranslated: {label!r}")
            continue
        if entry.msgid_plural:
            if nplurals is not None and sorted(entry.msgstr_plural) != list(range(nplurals)):
                found.append(
                    f"plural forms: {len(entry.msgstr_plural)} given, {nplurals} expected: {label!r}"
                )
            # A language with one form (Chinese) uses it for every count: it follows the plural source.
            # With more forms, each follows either source (a singular may spell out "one").
            allowed = [placeholders(entry.msgid_plural)]
            if nplurals != 1:
                allowed.append(placeholders(entry.msgid))
            translations = list(entry.msgstr_plural.values())
        else:
            allowed = [placeholders(entry.msgid)]
            translations = [entry.msgstr]
        if any(placeholders(t) not in allowed for t in translations):
            found.append(f"placeholders differ: {label!r}")
    return found


def _nplurals(plural_forms: str) -> int | None:
    match = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    return int(match.group(1)) if match else None


def stored(message: str, **values: object) -> str:
    """Text kept in a record, written in the deployment's language whoever (or whatever job) writes it; mark the
    message with ``gettext_noop`` where it is defined."""
    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(message)
    return text % values if values else text


#: The gettext functions as this code imports them, and where their message and context are among the arguments.
_SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
_CONTEXT = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def python_messages(path: Path) -> Iterator[tuple[str, str]]:
    """``(context, msgid)`` of every call of a gettext function with literal arguments in one Python file (the
    context is "" where there is none), as ``makemessages`` extracts them."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name in _SINGULAR and (msgid := _literal(node.args[0])) is not None:
            yield "", msgid
        elif name in _CONTEXT and len(node.args) > 1:
            context, msgid = _literal(node.args[0]), _literal(node.args[1])
            if context is not None and msgid is not None:
                yield context, msgid


#: ``{% translate "Text" %}`` and ``{% translate 'Text' context 'person' as x %}`` (block translations aside).
_TEMPLATE_TAG = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<c>["'])(?P<context>.*?)(?P=c))?"""
)


def template_messages(path: Path) -> Iterator[tuple[str, str]]:
    """``(context, msgid)`` of every ``translate`` tag with a literal message in one template (a ``%`` doubled,
    as ``makemessages`` writes it)."""
    for match in _TEMPLATE_TAG.finditer(path.read_text(encoding="utf-8")):
        yield match["context"] or "", match["msgid"].replace("%", "%%")


def missing_messages(po_path: Path | str, root: Path) -> list[str]:
    """Messages of the Python code and ``translate`` tags of the templates under ``root`` (tests and migrations
    left out, as ``makemessages`` is told to) that the catalogue lacks: each as ``path: msgid`` (a context is
    shown as ``context|msgid``)."""
    known = {(e.msgctxt or "", e.msgid) for e in polib.pofile(str(po_path)) if not e.obsolete}
    found = []
    sources = [(p, python_messages) for p in root.rglob("*.py")]
    sources += [(p, template_messages) for p in root.rglob("*.html")]
    for path, read in sorted(sources):
        parts = set(path.relative_to(root).parts)
        if parts & {"tests", "migrations"}:
            continue
        for context, msgid in read(path):
            if (context, msgid) not in known:
                label = f"{context}|{msgid}" if context else msgid
                found.append(f"{path.relative_to(root)}: {label}")
    return found
