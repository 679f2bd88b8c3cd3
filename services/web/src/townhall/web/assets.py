"""Build the front door's browser assets: ``python -m townhall.web.assets``.

``make web-assets`` runs it after ``npm ci`` (``make run`` and ``make test`` depend on
it; it runs again only when the lock file or the sources change). It copies from
``services/web/node_modules/govuk-frontend`` the stylesheet, the script and the images
it refers to, and the workspace's own few files from ``services/web/assets``, into the
folder web serves under ``/assets`` (``WEB_ASSETS_DIR``, by default
``services/web/build/assets``, gitignored).

The stylesheet's ``@font-face`` rules are left out: GDS Transport is licensed for
GOV.UK services only, so a council's pages fall back to the stack's Arial.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from townhall.web.config import DEFAULT_ASSETS_DIR

WEB = Path(__file__).resolve().parents[3]
FRONTEND = WEB / "node_modules" / "govuk-frontend" / "dist" / "govuk"
OWN = WEB / "assets"
FONT_FACES = re.compile(r"@font-face\s*\{[^}]*\}")


def build(frontend: Path = FRONTEND, own: Path = OWN, target: Path = DEFAULT_ASSETS_DIR) -> Path:
    """Copy the assets into ``target``, replacing what an earlier build left."""
    if not (frontend / "govuk-frontend.min.css").is_file():
        raise SystemExit(f"{frontend} is missing: run `npm ci` in {WEB} (make web-assets does)")
    fresh = target.with_name(target.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    css = (frontend / "govuk-frontend.min.css").read_text(encoding="utf-8")
    (fresh / "govuk-frontend.min.css").write_text(FONT_FACES.sub("", css), encoding="utf-8")
    shutil.copy2(frontend / "govuk-frontend.min.js", fresh / "govuk-frontend.min.js")
    shutil.copytree(frontend / "assets" / "images", fresh / "images")
    for path in sorted(own.iterdir()):
        if path.is_file():
            shutil.copy2(path, fresh / path.name)
    shutil.rmtree(target, ignore_errors=True)
    fresh.rename(target)
    return target


if __name__ == "__main__":
    print(f"web assets built in {build()}", file=sys.stderr)
