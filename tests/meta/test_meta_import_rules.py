"""The layers' import rules, read from the source with ``ast``.

* A service never imports another service.
* A service's ``domain`` imports only the standard library and its own ``domain``.
* A ``service_layer`` module uses no ORM tables and writes no SQL: that is the adapters'.
* Neither reads the wall clock (``datetime.now``, ``date.today``, called or passed as a
  default): the clock is injected.
* ``schemas`` (the contracts) imports neither the runtime nor a service.

Each failure lists ``path:line: rule: what``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "cases", "booking", "payments", "notifications", "resident_view", "web")
#: What a service-layer module may not take from SQLAlchemy: tables' queries are adapters'.
RAW_SQL = frozenset({"select", "insert", "update", "delete", "text"})
ORM_TABLES = ("adapters.orm", "townhall.runtime.tables")
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}


@dataclass(frozen=True)
class Module:
    path: Path
    name: str  # dotted, e.g. townhall.cases.domain.model
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    def where(self, node: ast.stmt | ast.expr) -> str:
        return f"{self.path.relative_to(ROOT)}:{node.lineno}"


def modules(source: Path) -> Iterator[Module]:
    for path in sorted(source.rglob("*.py")):
        parts = path.relative_to(source).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield Module(path, name, ast.parse(path.read_text(), str(path)))


def service_source(service: str) -> Path:
    return ROOT / "services" / service.replace("_", "-") / "src"


def imports(module: Module) -> Iterator[tuple[ast.stmt, str, list[str]]]:
    """(statement, absolute module imported, names taken from it) for every import."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield node, _absolute(module, node), [alias.name for alias in node.names]


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def _layer(module: Module, layer: str) -> bool:
    return f".{layer}." in f"{module.name}."


# --- the rules: each yields "path:line: rule: what" ----------------------------------------


def services_importing_services(service: str, module: Module) -> Iterator[str]:
    for node, name, _ in imports(module):
        for other in SERVICES:
            if other != service and _within(name, f"townhall.{other}"):
                yield f"{module.where(node)}: a service imports another service: {name}"


def domain_imports(service: str, module: Module) -> Iterator[str]:
    if not _layer(module, "domain"):
        return
    own = f"townhall.{service}.domain"
    for node, name, _ in imports(module):
        top = name.partition(".")[0]
        if not _within(name, own) and top not in sys.stdlib_module_names:
            yield f"{module.where(node)}: the domain imports beyond stdlib and itself: {name}"


def service_layer_sql(service: str, module: Module) -> Iterator[str]:
    if not _layer(module, "service_layer"):
        return
    for node, name, names in imports(module):
        if any(name.endswith(tables) for tables in ORM_TABLES) or any(
            name.endswith(tables.rpartition(".")[0]) and tables.rpartition(".")[2] in names
            for tables in ORM_TABLES
        ):
            yield f"{module.where(node)}: the service layer uses ORM tables: {name}"
        if _within(name, "sqlalchemy") and RAW_SQL & set(names):
            taken = ", ".join(sorted(RAW_SQL & set(names)))
            yield f"{module.where(node)}: the service layer writes SQL: {taken} from {name}"


def wall_clock(service: str, module: Module) -> Iterator[str]:
    if not (_layer(module, "domain") or _layer(module, "service_layer")):
        return
    for node in ast.walk(module.tree):  # called, or passed on as a default clock
        if isinstance(node, ast.Attribute):
            owner = node.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (owner_name, node.attr) in WALL_CLOCK:
                used = f"{owner_name}.{node.attr}"
                yield f"{module.where(node)}: reads the wall clock, not the injected clock: {used}"


RULES = [services_importing_services, domain_imports, service_layer_sql, wall_clock]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_every_service_keeps_the_rule(rule: object) -> None:
    assert callable(rule)
    broken = [
        broken
        for service in SERVICES
        for module in modules(service_source(service))
        for broken in rule(service, module)
    ]
    assert not broken, "\n".join(["", *broken])


def test_the_contracts_import_neither_the_runtime_nor_a_service() -> None:
    forbidden = ["townhall.runtime", *(f"townhall.{service}" for service in SERVICES)]
    broken = [
        f"{module.where(node)}: schemas imports {name}"
        for module in modules(ROOT / "schemas" / "src")
        for node, name, _ in imports(module)
        if any(_within(name, package) for package in forbidden)
    ]
    assert not broken, "\n".join(["", *broken])


def test_the_runtime_imports_no_service() -> None:
    broken = [
        f"{module.where(node)}: the runtime imports {name}"
        for module in modules(ROOT / "libs" / "runtime" / "src")
        for node, name, _ in imports(module)
        if any(_within(name, f"townhall.{service}") for service in SERVICES)
    ]
    assert not broken, "\n".join(["", *broken])


# --- the rules catch what they are for -------------------------------------------------


def _module(source: str, name: str = "townhall.cases.domain.model") -> Module:
    parts = name.split(".")
    path = ROOT / "services" / "cases" / "src" / Path(*parts).with_suffix(".py")
    return Module(path, name, ast.parse(source))


def test_a_domain_may_import_the_standard_library_and_itself_only() -> None:
    allowed = "from __future__ import annotations\nimport datetime\nfrom . import events\n"
    assert list(domain_imports("cases", _module(allowed))) == []
    leaks = "from townhall.runtime.normal_forms import x\nimport pydantic\nfrom .. import config\n"
    found = list(domain_imports("cases", _module(leaks)))
    assert [line.split(": ")[-1] for line in found] == [
        "townhall.runtime.normal_forms",
        "pydantic",
        "townhall.cases",
    ]


def test_a_service_layer_with_tables_sql_or_the_wall_clock_is_caught() -> None:
    name = "townhall.cases.service_layer.handlers"
    source = (
        "from sqlalchemy import select, func\n"
        "from townhall.cases.adapters.orm import cases\n"
        "from townhall.runtime import tables\n"
        "from datetime import date, datetime\n"
        "now = datetime.now(UTC)\n"
        "clock = date.today\n"
    )
    module = _module(source, name)
    found = [*service_layer_sql("cases", module), *wall_clock("cases", module)]
    assert [line.split(": ")[1] for line in found] == [
        "the service layer writes SQL",
        "the service layer uses ORM tables",
        "the service layer uses ORM tables",
        "reads the wall clock, not the injected clock",
        "reads the wall clock, not the injected clock",
    ]


def test_one_service_importing_another_is_caught() -> None:
    module = _module("import townhall.identity.config\nfrom townhall.cases import views\n")
    found = list(services_importing_services("cases", module))
    assert [line.split(": ")[-1] for line in found] == ["townhall.identity.config"]
