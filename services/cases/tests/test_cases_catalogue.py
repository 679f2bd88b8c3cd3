"""Catalogue files are validated at start-up; a bad one is named with its field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from townhall.cases.adapters.catalogue import BUNDLED, CatalogueError, load_catalogue
from townhall.cases.config import CasesSettings
from townhall.cases.entrypoints.api.app import create


def test_the_bundled_catalogue_holds_the_seed_service_types() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) >= 7
    pest = catalogue.get("pest_control")
    assert pest is not None and pest.fee_pence == 6500 and pest.booking
    spd = catalogue.get("council_tax_spd")
    assert spd is not None and spd.sensitivity == "sensitive" and spd.open311 is None


def _write(directory: Path, changes: dict[str, object], drop: str | None = None) -> None:
    data = yaml.safe_load((BUNDLED / "missed_bin.yaml").read_text())
    data.update(changes)
    if drop:
        data.pop(drop)
    (directory / "broken.yaml").write_text(yaml.safe_dump(data))


LIFE = yaml.safe_load((BUNDLED / "missed_bin.yaml").read_text())["lifecycle"]
WELSH = yaml.safe_load((BUNDLED / "missed_bin.yaml").read_text())["translations"]["cy"]


@pytest.mark.parametrize(
    ("changes", "drop", "message"),
    [
        ({}, "name", "broken.yaml: name: Field required"),
        ({"prefix": "mb"}, None, "broken.yaml: prefix:"),
        ({"sensitivity": "secret"}, None, "broken.yaml: sensitivity:"),
        ({"fee_pence": -5}, None, "broken.yaml: fee_pence:"),
        ({"form": {"type": "object", "properties": {"a": {"type": "nope"}}}}, None, "form."),
        ({"form": {"type": "object", "properties": {}, "required": ["x"]}}, None, "form.required"),
        (
            {"lifecycle": {"transitions": {**LIFE["transitions"], "triaged": ["schedulled"]}}},
            None,
            "broken.yaml: lifecycle.transitions.triaged",
        ),
        (
            {"lifecycle": {"transitions": {**LIFE["transitions"], "closed": ["submitted"]}}},
            None,
            "lifecycle.transitions.closed: a final state",
        ),
        (
            {"lifecycle": {"transitions": {**LIFE["transitions"], "scheduled": []}}},
            None,
            "unreachable states ['scheduled']",
        ),
        ({"fee_pence": 100}, None, "fee_pence needs state 'awaiting_payment'"),
        ({"code": "missed_bin"}, None, "code: 'missed_bin' is used by"),
        ({"unknown": 1}, None, "broken.yaml: unknown: Extra inputs are not permitted"),
        (
            {"open311": {"public": True, "show": ["uprn"]}},
            None,
            "broken.yaml: open311.show.0: Input should be 'description'",
        ),
        (
            {"open311": {"show": ["address"]}},
            None,
            "broken.yaml: open311.show: Value error, lists what to show, but the type is not",
        ),
        ({"open311": {"public": "perhaps"}}, None, "broken.yaml: open311.public:"),
        (
            {"choices": {"bin_type": {"black": "Black bin"}}},
            None,
            "broken.yaml: choices.bin_type.black: not one of",
        ),
        ({"choices": {"collection_date": {}}}, None, "choices.collection_date: not a closed"),
        (
            {"translations": {"cy": {**WELSH, "questions": {"bin_type": "Pa fin?"}}}},
            None,
            "broken.yaml: translations.cy.questions.collection_date: missing",
        ),
        (
            {
                "translations": {
                    "cy": {**WELSH, "choices": {"bin_type": {"general": "Cyffredinol"}}}
                }
            },
            None,
            "broken.yaml: translations.cy.choices.bin_type: missing recycling, garden, food",
        ),
        ({"translations": {"fr": WELSH}}, None, "broken.yaml: translations.fr.[key]: Input should"),
    ],
)
def test_a_bad_service_type_file_is_refused_naming_file_and_field(
    tmp_path: Path, changes: dict[str, object], drop: str | None, message: str
) -> None:
    shutil.copy(BUNDLED / "missed_bin.yaml", tmp_path / "missed_bin.yaml")
    if "code" not in changes:
        changes = {"code": "broken_type", "prefix": "BT", **changes}
    _write(tmp_path, changes, drop)
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(tmp_path)
    assert message in str(raised.value)


def test_only_public_realm_types_are_public_on_open311_by_default() -> None:
    """The bundled catalogue's choices: what is about someone's home is never listed."""
    offered = {t.code: t.open311 for t in load_catalogue() if t.open311 is not None}
    public = {code: sorted(o.show) for code, o in offered.items() if o.public}
    assert public == {"fly_tipping": ["address", "description", "location", "media", "updates"]}
    assert {"missed_bin", "pest_control", "noise_complaint", "bulky_waste"} <= set(offered)


def test_a_type_that_says_nothing_about_disclosure_is_not_public(tmp_path: Path) -> None:
    _write(tmp_path, {"code": "graffiti", "prefix": "GR", "open311": {"type": "realtime"}})
    graffiti = load_catalogue(tmp_path).get("graffiti")
    assert graffiti is not None and graffiti.open311 is not None
    assert not graffiti.open311.public and not graffiti.open311.shows("address")


def test_invalid_yaml_is_named(tmp_path: Path) -> None:
    (tmp_path / "oops.yaml").write_text("code: [unclosed")
    with pytest.raises(CatalogueError, match=r"oops\.yaml: not valid YAML"):
        load_catalogue(tmp_path)


def test_the_service_refuses_to_start_with_a_bad_catalogue(tmp_path: Path) -> None:
    _write(tmp_path, {"sla": {}})
    with pytest.raises(CatalogueError, match=r"broken\.yaml: sla"):
        create(CasesSettings(catalogue_dir=tmp_path))


def test_adding_a_service_type_is_adding_a_file(tmp_path: Path) -> None:
    for name in ("missed_bin.yaml", "pest_control.yaml"):
        shutil.copy(BUNDLED / name, tmp_path / name)
    _write(tmp_path, {"code": "graffiti", "prefix": "GR", "name": "Graffiti removal"})
    catalogue = load_catalogue(tmp_path)
    graffiti = catalogue.get("graffiti")
    assert graffiti is not None and graffiti.name == "Graffiti removal"


def test_the_domain_states_are_the_contracts_statuses() -> None:
    from typing import get_args

    from townhall.cases.domain.catalogue import STATES
    from townhall.schemas.events.cases import Status

    assert get_args(Status) == STATES


def test_every_bundled_type_reads_in_welsh_with_no_english_left() -> None:
    for service_type in load_catalogue():
        name, _, form = service_type.presented("cy")
        english_name, _, english = service_type.presented("en")
        assert name != english_name, service_type.code
        for prop, schema in form["properties"].items():
            assert schema["title"] != english["properties"][prop].get("title"), prop
