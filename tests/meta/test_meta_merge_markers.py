"""No source or documentation file keeps a merge's conflict markers.

A README once kept both sides of a merge (``<<<<<<< HEAD`` … ``>>>>>>> booking-page``)
for a whole session: text files are not compiled, so nothing else would have noticed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
TEXT = {".py", ".md", ".html", ".yaml", ".yml", ".po", ".toml", ".json", ".cfg", ".txt", ""}
#: Not ours: tools, environments, installed packages, what tests and runs leave behind.
SKIPPED = {"node_modules", "var", "test-artefacts", "__pycache__"}


def test_no_file_keeps_conflict_markers() -> None:
    marked = []
    for folder, folders, files in os.walk(ROOT):
        folders[:] = [f for f in folders if not f.startswith(".") and f not in SKIPPED]
        for name in files:
            path = Path(folder) / name
            if path.suffix in TEXT and path.stat().st_size < 2_000_000:
                text = path.read_text(encoding="utf-8", errors="replace")
                if MARKER.search(text):
                    marked.append(str(path.relative_to(ROOT)))
    assert not marked, f"conflict markers left in {marked}"
