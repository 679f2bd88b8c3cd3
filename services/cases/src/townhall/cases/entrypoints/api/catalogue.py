"""The service catalogue: what can be requested, and each type's form."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from townhall.cases.domain.catalogue import ServiceType
from townhall.cases.entrypoints.api.dependencies import CatalogueDep, ReadsCatalogue
from townhall.cases.entrypoints.api.schemas import ServiceTypeOut
from townhall.runtime.openapi import problems
from townhall.runtime.problems import NotFound

router = APIRouter(prefix="/service-types", tags=["catalogue"])


#: The language to be shown the catalogue in: its questions and choices (``en`` or ``cy``).
Language = Annotated[Literal["en", "cy"], Query(description="en or cy")]


def _out(service_type: ServiceType, language: str = "en") -> ServiceTypeOut:
    name, description, form = service_type.presented(language)
    return ServiceTypeOut(
        code=service_type.code,
        name=name,
        description=description,
        domain=service_type.domain,
        sensitivity=service_type.sensitivity,
        fee_pence=service_type.fee_pence,
        booking=service_type.booking,
        evidence_required=service_type.evidence_required,
        location_required=service_type.location_required,
        sla_hours=service_type.sla.total_seconds() / 3600,
        states=sorted(service_type.lifecycle.states),
        form=form,
        language=language if language in service_type.translations else "en",
    )


@router.get("", response_model=list[ServiceTypeOut])
async def list_service_types(
    catalogue: CatalogueDep, _: ReadsCatalogue, language: Language = "en"
) -> list[ServiceTypeOut]:
    """Every type offered; in Welsh (``language=cy``) where its file has the Welsh."""
    return [_out(t, language) for t in catalogue]


@router.get("/{code}", response_model=ServiceTypeOut, responses=problems(404))
async def show_service_type(
    code: str, catalogue: CatalogueDep, _: ReadsCatalogue, language: Language = "en"
) -> ServiceTypeOut:
    service_type = catalogue.get(code)
    if service_type is None:
        raise NotFound(f"no service type with code {code!r}", title="Unknown service type")
    return _out(service_type, language)
