"""The committed catalogues are complete, compiled and current.

A fresh machine has no gettext tools, so the compiled ``.mo`` files are committed next to the ``.po`` files they
come from. These tests fail when a message is left untranslated or fuzzy, when a translation drops or invents a
placeholder, when a ``.mo`` was not recompiled after its ``.po`` changed, and (where ``xgettext`` is installed)
when the source has messages the catalogue lacks or the catalogue keeps messages the source dropped.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
CATALOGUE = Path(settings.LOCALE_PATHS[0])
ROOT = Path(settings.BASE_DIR)
#: The project's own extraction command (README, "Languages").
MAKEMESSAGES = ["makemessages", "--ignore", ".venv/*", "--ignore", "var/*", "--ignore", "tests/*",
                "--ignore", "deploy/*", "--no-obsolete"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    """One message of a ``.po`` file."""

    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        """The message's key in a compiled catalogue: the context and the id joined by EOT."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a ``.po`` file, header included (msgid ""); obsolete (``#~``) entries are left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#~"):
            if entry is not None and not line:
                entries.append(entry)
                entry = None
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}: a continuation line before any keyword"
            _append(entry, target, ast.literal_eval(line))
        else:
            keyword, _space, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            target = ("msgstr", int(match.group(1))) if match else (keyword, 0)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] = ""
            elif target[0] in ("msgid", "msgctxt", "msgid_plural"):
                setattr(entry, target[0], "")
            else:
                raise AssertionError(f"{path}: unexpected line {line!r}")
            _append(entry, target, ast.literal_eval(value))
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] += text
    else:
        setattr(entry, name, getattr(entry, name) + text)


def po_path(language: str) -> Path:
    return CATALOGUE / language / "LC_MESSAGES" / "django.po"


def messages(language: str) -> list[Entry]:
    return [entry for entry in read_po(po_path(language)) if entry.msgid]


def nplurals(language: str) -> int:
    header = next(entry for entry in read_po(po_path(language)) if not entry.msgid).msgstr[0]
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    assert match, f"{language}: the header has no Plural-Forms"
    return int(match.group(1))


def test_every_language_of_the_product_has_a_catalogue() -> None:
    assert LANGUAGES == ["fr", "es"]
    for language in LANGUAGES:
        assert po_path(language).is_file() and po_path(language).with_suffix(".mo").is_file(), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_names_the_language_and_utf8(language: str) -> None:
    header_entry = next(entry for entry in read_po(po_path(language)) if not entry.msgid)
    header = header_entry.msgstr[0]
    assert f"Language: {language}\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "fuzzy" not in header_entry.flags


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    forms = nplurals(language)
    untranslated = [entry.msgid for entry in messages(language)
                    if not all(entry.msgstr.get(i) for i in range(forms if entry.msgid_plural is not None else 1))]
    fuzzy = [entry.msgid for entry in messages(language) if "fuzzy" in entry.flags]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_message(language: str) -> None:
    wrong = []
    for entry in messages(language):
        expected = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for translation in entry.msgstr.values():
            # A singular form may say "one" instead of showing the count; it may never invent a placeholder.
            found = set(PLACEHOLDER.findall(translation))
            if not found <= expected or (entry.msgid_plural is None and found != expected):
                wrong.append((entry.msgid, translation))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_holds_exactly_the_translations_of_the_po(language: str) -> None:
    expected: dict[object, str] = {}
    for entry in read_po(po_path(language)):
        if not entry.msgid:  # msgfmt leaves the extraction date out of the compiled header
            expected[""] = re.sub(r"POT-Creation-Date: [^\n]*\n", "", entry.msgstr[0])
        elif entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            expected.update({(entry.key, i): text for i, text in entry.msgstr.items()})
    with po_path(language).with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # The stdlib has no public way to list a catalogue's messages; its parsed table is the comparison we need.
    assert compiled._catalog == expected, (  # type: ignore[attr-defined]
        f"{language}: the .mo differs from the .po; run compilemessages (README, Languages)")


@pytest.mark.skipif(shutil.which("xgettext") is None,
                    reason="xgettext (GNU gettext) is not installed: cannot re-extract the source's messages here")
def test_the_catalogue_has_exactly_the_messages_of_the_source(tmp_path: Path) -> None:
    """Re-extract into a copy of the tree with the project's own command, and compare the message ids."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "var", "tests", "deploy", "__pycache__", ".*_cache", "*.mo"))
    env = {**os.environ, "DJANGO_ENV": "test", "PYTHONPATH": f"{copy / 'platform'}{os.pathsep}{copy}",
           "WILDNET_VAR_DIR": str(tmp_path / "var")}
    command = [sys.executable, "-m", "wildnet", *MAKEMESSAGES, *(f"--locale={code}" for code in LANGUAGES)]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)
    for language in LANGUAGES:
        def ids(path: Path) -> set[tuple[str | None, str, str | None]]:
            return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in read_po(path) if entry.msgid}

        fresh = ids(copy / po_path(language).relative_to(ROOT))
        committed = ids(po_path(language))
        assert (fresh - committed, committed - fresh) == (set(), set()), (
            f"{language}: the catalogue is stale; run makemessages, translate, compilemessages (README, Languages)")
