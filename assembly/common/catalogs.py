"""Compile .po catalogs to .mo with polib, so a machine without GNU gettext can run the site."""

from collections.abc import Iterable
from pathlib import Path

import polib


def compile_catalogs(locale_dirs: Iterable[Path]) -> list[Path]:
    compiled = []
    for locale_dir in locale_dirs:
        for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled.append(po_path)
    return compiled
