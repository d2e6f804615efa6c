from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from api.deps import Author, DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import VocabularySetOut
from api.services import authoring

router = APIRouter(prefix="/v1/vocabulary-sets", tags=["authoring"])

EXAMPLE = {"language": "nb", "track": "trade", "trade": "construction", "title": "På byggeplassen",
           "entries": [{"lemma": "hjelm", "pos": "NOUN", "gloss": "helmet", "cefr": "A2",
                        "examples": ["Du må alltid bruke hjelm på byggeplassen."]}]}

SetId = Annotated[str, Path(max_length=36)]


@router.post("", status_code=201, response_model=VocabularySetOut,
             responses=problems(401, 403, 409, 422))
def submit(body: Annotated[dict[str, Any], Body(examples=[EXAMPLE])], author: Author,
           db: DbDep, settings: SettingsDep, now: NowDep) -> VocabularySetOut:
    """Check a vocabulary set (same checks as `b1engine content check`) and preview its items."""
    return authoring.submit(db, author, body, settings, now)


@router.get("/{set_id}", response_model=VocabularySetOut, responses=problems(401, 403, 404))
def get(set_id: SetId, author: Author, db: DbDep) -> VocabularySetOut:
    return authoring.describe(authoring.set_for_author(db, author, set_id))


@router.post("/{set_id}/publish", response_model=VocabularySetOut,
             responses=problems(401, 403, 404, 409))
def publish(set_id: SetId, author: Author, db: DbDep, now: NowDep) -> VocabularySetOut:
    """Make the set's items live as pretest items (prior parameters)."""
    return authoring.publish(db, author, set_id, now)
