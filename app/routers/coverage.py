"""Coverage results: the model card (with the comparison to measurements and the calibration a planner
accepts or withdraws), one hamlet's coverage, and the what-if for an unsaved site."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.deps import DistrictScopeDep, SessionDep
from app.schemas import WhatIfRequest
from app.schemas_dashboard import HamletCoverage, ModelCard, WhatIf
from app.schemas_truth import CalibrationAccept, InForce, TechClass
from app.security import LoggedIn, OptionalPrincipal, Staff
from app.services import scope
from app.services.coverage import calibration, whatif
from app.services.coverage import read as coverage_read

router = APIRouter(prefix="/api", tags=["Coverage"])


@router.get(
    "/coverage/model-card",
    summary="Model, parameters and timing of the latest coverage run",
    responses={404: {"description": "No coverage has been computed yet"}},
    response_model=ModelCard,
)
def model_card(session: SessionDep) -> dict:
    return coverage_read.model_card(session)


@router.get(
    "/hamlets/{code}/coverage",
    summary="A hamlet's coverage per operator, dead zones and nearest sites",
    response_model=HamletCoverage,
    # Keys the service leaves out stay out: an anonymous visitor's nearest sites have no site_code.
    response_model_exclude_unset=True,
)
def hamlet_coverage(
    code: str, session: SessionDep, principal: OptionalPrincipal, district_scope: DistrictScopeDep
) -> dict:
    if district_scope is not None:
        scope.check_unit(session, code, district_scope)
    [out] = scope.nearest_sites_within(
        session, district_scope, [coverage_read.hamlet_coverage(session, code)]
    )
    if principal is None:  # anonymous visitors learn operators and distances, not which site
        for site in out["nearest_sites"]:
            site.pop("site_code", None)
    return out


@router.post(
    "/coverage/what-if",
    summary="Effect of an unsaved site on coverage and ratios (writes nothing)",
    response_model=WhatIf,
)
def what_if(body: WhatIfRequest, session: SessionDep, _: LoggedIn) -> dict:
    return whatif.what_if(session, body)


@router.post(
    "/coverage/calibrations",
    summary="Accept the calibration offset proposed for an operator (the next coverage runs apply it)",
    status_code=201,
    response_model=InForce,
    responses={
        404: {"description": "No coverage run, no such mobile operator, or no proposal for it"},
        409: {"description": "The proposal changed since it was shown (the answer carries the new one)"},
    },
)
def accept_calibration(body: CalibrationAccept, session: SessionDep, principal: Staff) -> dict:
    accepted = calibration.accept(
        session.connection(), body.operator, body.tech_class, body.offset_db, principal.actor()
    )
    session.commit()
    return accepted


@router.delete(
    "/coverage/calibrations/{operator}/{tech_class}",
    summary="Withdraw the calibration in force for an operator and class (the next runs use the bare model)",
    response_model=InForce,
    responses={404: {"description": "No calibration in force for this operator and class"}},
)
def withdraw_calibration(
    operator: Annotated[str, Path(max_length=64)],
    tech_class: TechClass,
    session: SessionDep,
    principal: Staff,
) -> dict:
    withdrawn = calibration.withdraw(session.connection(), operator, tech_class, principal.actor())
    session.commit()
    return withdrawn
