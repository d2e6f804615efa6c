from fastapi import APIRouter

from api.deps import DbDep
from api.schemas import Health
from api.services.health import check

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"description": "database down"}})
def healthz(db: DbDep) -> Health:
    """Liveness and readiness: answers only when the database does."""
    return check(db)
