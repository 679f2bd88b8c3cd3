"""The matching model: retrained on demand by an administrator."""

from __future__ import annotations

from fastapi import APIRouter

from townhall.identity.entrypoints.api.dependencies import Services, allowed
from townhall.identity.entrypoints.api.schemas import RetrainOut
from townhall.runtime.openapi import problems
from townhall.runtime.problems import NotFound

router = APIRouter(tags=["matching"])


@router.post(
    "/linkage/retrain",
    response_model=RetrainOut,
    status_code=202,
    dependencies=[allowed("linkage.retrain")],
    responses=problems(404),
)
async def retrain(services: Services) -> RetrainOut:
    """Retrain the matching model on the residents now, in the background, as the
    schedule does: the model serving keeps serving until the new one is stored (a new
    version), then matching switches to it. Asked again while it runs, it is not
    started twice. A population too small to train on keeps the model it has."""
    started = services.retrain_matching()
    if started is None:
        raise NotFound("identity matches exactly: it trains no model")
    serving = services.matching_details().get("matching", "")
    return RetrainOut(retraining="started" if started else "running", serving=serving)
