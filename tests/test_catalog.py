"""The Spanish catalog is complete, has no fuzzy entries, and matches the strings in the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
SOURCES = ["assembly", "templates", "manage.py"]


def _catalogs() -> list[Path]:
    return [
        BASE_DIR / "locale" / code / "LC_MESSAGES" / "django.po" for code, _name in settings.LANGUAGES if code != "en"
    ]


def _keys(catalog: polib.POFile) -> set[tuple[str | None, str, str]]:
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in catalog if not entry.obsolete}


@pytest.mark.parametrize("path", _catalogs(), ids=lambda path: path.parts[-3])
def test_catalog_has_every_string_translated(path):
    catalog = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries() if not entry.obsolete]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not untranslated, f"untranslated in {path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is needed to extract strings")
@pytest.mark.parametrize("path", _catalogs(), ids=lambda path: path.parts[-3])
def test_catalog_is_up_to_date_with_the_code(path, tmp_path):
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, tmp_path / name)
    shutil.copytree(BASE_DIR / "locale", tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    language = path.parts[-3]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", language, "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    fresh = _keys(polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")))
    committed = _keys(polib.pofile(str(path)))
    missing = sorted(str(key) for key in fresh - committed)
    stale = sorted(str(key) for key in committed - fresh)
    assert not missing and not stale, f"run `make messages`; missing: {missing}; no longer used: {stale}"
