"""The two sides stay apart: the projection writes, the read side reads, the API only
wires HTTP to them, and SQL is written only in adapters and read-side queries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import townhall.resident_view as package

ROOT = Path(package.__file__).parent
PREFIX = "townhall.resident_view"


def _imports(folder: str) -> dict[str, set[str]]:
    """Each module under ``folder`` → the modules it imports (absolute names)."""
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("projection", ("entrypoints", "reads")),
        ("reads", ("entrypoints", "projection")),
        ("adapters", ("entrypoints", "reads", "projection")),
        ("residents", ("entrypoints", "reads", "projection", "adapters")),
    ],
)
def test_a_side_never_imports_what_sits_above_or_beside_it(
    folder: str, forbidden: tuple[str, ...]
) -> None:
    leaks = {
        module: sorted(
            name for name in names if name.startswith(tuple(f"{PREFIX}.{f}" for f in forbidden))
        )
        for module, names in _imports(folder).items()
    }
    assert {module: names for module, names in leaks.items() if names} == {}


@pytest.mark.parametrize("folder", ["projection", "entrypoints", "residents"])
def test_sql_is_written_only_in_adapters_and_read_side_queries(folder: str) -> None:
    """Outside adapters/ and reads/ a module may hold a session, never build a statement."""
    writes_sql = {
        module: sorted(n for n in names if n == "sqlalchemy" or n.startswith("sqlalchemy.sql"))
        for module, names in _imports(folder).items()
    }
    assert {module: names for module, names in writes_sql.items() if names} == {}
