"""Reading the service catalogue: one YAML file per service type, validated at start-up.

A bad file stops the service with an error naming the file and the field, e.g.
``pest_control.yaml: lifecycle.transitions.triaged: 'schedulled' is not a state``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from townhall.cases.domain.catalogue import (
    INITIAL_STATE,
    STATES,
    TERMINAL_STATES,
    Catalogue,
    Disclosure,
    Lifecycle,
    Open311Definition,
    ServiceType,
    Translation,
)
from townhall.schemas.events.cases import Status as State

BUNDLED = Path(__file__).resolve().parents[1] / "service_types"
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class CatalogueError(ValueError):
    """A service type file is invalid; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LifecycleFile(_Strict):
    transitions: dict[State, list[State]]
    after_payment: State | None = None
    after_booking_cancelled: State | None = None


class Open311File(_Strict):
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    group: str = ""
    keywords: list[str] = []
    #: Listed to anyone; unset: only to Open311 key holders, and only the status.
    public: bool = False
    #: What a public type's listing shows beyond status, type and dates.
    show: list[Disclosure] = []

    @field_validator("show")
    @classmethod
    def _shown_only_when_public(cls, show: list[str], info: ValidationInfo) -> list[str]:
        if show and not info.data.get("public"):
            raise ValueError("lists what to show, but the type is not public (public: true)")
        if len(set(show)) != len(show):
            raise ValueError("names a field twice")
        return show


class SlaFile(_Strict):
    days: int = Field(default=0, ge=0)
    hours: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _positive(self) -> SlaFile:
        if self.days == 0 and self.hours == 0:
            raise ValueError("an SLA needs days or hours")
        return self


Words = Annotated[str, Field(min_length=1, max_length=300)]
Choices = dict[str, dict[str, Words]]


class TranslationFile(_Strict):
    """The type in another language: every question and every choice, so a page in
    that language never shows a word of English (needs a translator's review)."""

    name: Words
    description: str = ""
    questions: dict[str, Words] = {}
    choices: Choices = {}


class ServiceTypeFile(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    prefix: str = Field(pattern=r"^[A-Z]{2,4}$")
    domain: Code
    sensitivity: Literal["public", "personal", "sensitive", "special"]
    form: dict[str, Any]
    fee_pence: int | None = Field(default=None, gt=0)
    booking: bool = False
    evidence_required: bool = False
    location_required: bool = False
    sla: SlaFile
    lifecycle: LifecycleFile
    open311: Open311File | None = None
    #: The words for the form's closed choices (property -> value -> words).
    choices: Choices = {}
    translations: dict[Literal["cy"], TranslationFile] = {}


def load_catalogue(directory: Path = BUNDLED) -> Catalogue:
    """Every ``*.yaml`` in ``directory``, validated; raises CatalogueError naming the file."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CatalogueError(f"{directory}: no service type files (*.yaml)")
    types: dict[str, ServiceType] = {}
    prefixes: dict[str, str] = {}
    for path in files:
        service_type = load_file(path)
        if service_type.code in types:
            other = types[service_type.code].source
            raise CatalogueError(f"{path.name}: code: {service_type.code!r} is used by {other}")
        if service_type.prefix in prefixes:
            other = prefixes[service_type.prefix]
            raise CatalogueError(f"{path.name}: prefix: {service_type.prefix!r} is used by {other}")
        prefixes[service_type.prefix] = path.name
        types[service_type.code] = service_type
    return Catalogue(types)


def load_file(path: Path) -> ServiceType:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: not valid YAML: {exc}") from exc
    try:
        parsed = ServiceTypeFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "(file)"
        raise CatalogueError(f"{path.name}: {where}: {error['msg']}") from exc
    _check_form(path.name, parsed.form)
    _check_words(path.name, parsed)
    _check_lifecycle(path.name, parsed)
    return _service_type(parsed, path)


def _check_form(name: str, form: dict[str, Any]) -> None:
    try:
        Draft202012Validator.check_schema(form)
    except SchemaError as exc:
        where = ".".join(str(p) for p in exc.absolute_path) or "(schema)"
        raise CatalogueError(f"{name}: form.{where}: {exc.message}") from exc
    if form.get("type") != "object" or not isinstance(form.get("properties"), dict):
        raise CatalogueError(f"{name}: form: must be an object schema with properties")
    for field in form.get("required", []):
        if field not in form["properties"]:
            raise CatalogueError(f"{name}: form.required: {field!r} is not a property")


def _closed_values(schema: dict[str, Any]) -> list[str] | None:
    values = schema.get("enum") or (schema.get("items") or {}).get("enum")
    return [str(v) for v in values] if values else None


def _check_choices(name: str, where: str, form: dict[str, Any], choices: Choices) -> None:
    for prop, words in choices.items():
        values = _closed_values(form["properties"].get(prop, {}))
        if values is None:
            raise CatalogueError(f"{name}: {where}.{prop}: not a closed choice of the form")
        for value in words:
            if value not in values:
                raise CatalogueError(f"{name}: {where}.{prop}.{value}: not one of {values}")


def _check_words(name: str, parsed: ServiceTypeFile) -> None:
    """Choices name the form's closed choices; a translation says every question and
    every choice the form has, so nothing shows untranslated."""
    form = parsed.form
    _check_choices(name, "choices", form, parsed.choices)
    for language, words in parsed.translations.items():
        where = f"translations.{language}"
        for prop in words.questions:
            if prop not in form["properties"]:
                raise CatalogueError(f"{name}: {where}.questions.{prop}: not a question")
        _check_choices(name, f"{where}.choices", form, words.choices)
        for prop, schema in form["properties"].items():
            if prop not in words.questions:
                raise CatalogueError(f"{name}: {where}.questions.{prop}: missing")
            values = _closed_values(schema)
            if values and str(schema.get("type")) != "integer":
                missing = [v for v in values if v not in words.choices.get(prop, {})]
                if missing:
                    raise CatalogueError(
                        f"{name}: {where}.choices.{prop}: missing {', '.join(missing)}"
                    )


def _check_lifecycle(name: str, parsed: ServiceTypeFile) -> None:
    life = parsed.lifecycle
    transitions = life.transitions
    if INITIAL_STATE not in transitions:
        raise CatalogueError(f"{name}: lifecycle.transitions: must start at {INITIAL_STATE!r}")
    for source, targets in transitions.items():
        for target in targets:
            if target not in transitions:
                raise CatalogueError(
                    f"{name}: lifecycle.transitions.{source}: {target!r} is not one of "
                    "this type's states (list it under transitions)"
                )
        if source in TERMINAL_STATES and targets:
            raise CatalogueError(f"{name}: lifecycle.transitions.{source}: a final state")
    lifecycle = Lifecycle({s: frozenset(t) for s, t in transitions.items()})
    unreachable = set(transitions) - lifecycle.reachable()
    if unreachable:
        raise CatalogueError(
            f"{name}: lifecycle.transitions: unreachable states {sorted(unreachable)}"
        )
    _check_reactions(name, parsed)


def _check_reactions(name: str, parsed: ServiceTypeFile) -> None:
    life = parsed.lifecycle
    needs = [("awaiting_payment", parsed.fee_pence is not None, "fee_pence")]
    needs.append(("scheduled", parsed.booking, "booking"))
    for state, wanted, why in needs:
        if wanted and state not in life.transitions:
            raise CatalogueError(f"{name}: lifecycle.transitions: {why} needs state {state!r}")
    if parsed.fee_pence is not None:
        after = life.after_payment
        if after is None or after not in life.transitions.get("awaiting_payment", []):
            raise CatalogueError(
                f"{name}: lifecycle.after_payment: must be a state awaiting_payment goes to"
            )
    if parsed.booking:
        after = life.after_booking_cancelled
        if after is None or after not in life.transitions.get("scheduled", []):
            raise CatalogueError(
                f"{name}: lifecycle.after_booking_cancelled: must be a state scheduled goes to"
            )


def _service_type(parsed: ServiceTypeFile, path: Path) -> ServiceType:
    life = parsed.lifecycle
    open311 = parsed.open311
    return ServiceType(
        code=parsed.code,
        name=parsed.name,
        description=parsed.description,
        prefix=parsed.prefix,
        domain=parsed.domain,
        sensitivity=parsed.sensitivity,
        form=parsed.form,
        lifecycle=Lifecycle(
            transitions={s: frozenset(t) for s, t in life.transitions.items()},
            after_payment=life.after_payment,
            after_booking_cancelled=life.after_booking_cancelled,
        ),
        sla=timedelta(days=parsed.sla.days, hours=parsed.sla.hours),
        fee_pence=parsed.fee_pence,
        booking=parsed.booking,
        evidence_required=parsed.evidence_required,
        location_required=parsed.location_required,
        open311=(
            Open311Definition(
                open311.type,
                open311.group,
                tuple(open311.keywords),
                public=open311.public,
                show=frozenset(open311.show),
            )
            if open311
            else None
        ),
        choices=parsed.choices,
        translations={
            language: Translation(
                name=words.name,
                description=words.description,
                questions=words.questions,
                choices=words.choices,
            )
            for language, words in parsed.translations.items()
        },
        source=path.name,
    )


assert set(STATES) == set(State.__args__)  # type: ignore[attr-defined]
