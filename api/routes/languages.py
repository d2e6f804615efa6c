"""The languages learners may read their glosses, hints and instructions in."""
from fastapi import APIRouter

from api.schemas import SupportLanguageOut
from api.services import learners

router = APIRouter(prefix="/v1/support-languages", tags=["learners"])


@router.get("", response_model=list[SupportLanguageOut])
def support_languages() -> list[SupportLanguageOut]:
    """Every support language (`code` for `PATCH /v1/learners/me`), with its name in itself and its
    text direction; `draft`: its texts still await a native reviewer. Public: a login page can
    offer them before anyone signs in."""
    return learners.support_languages()
