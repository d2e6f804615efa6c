from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from api.deps import Author, DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import SetStatistics, VocabularySetDraft, VocabularySetFile, VocabularySetList, VocabularySetOut
from api.services import authoring

router = APIRouter(prefix="/v1/vocabulary-sets", tags=["authoring"])

EXAMPLE = {"language": "nb", "track": "trade", "trade": "construction", "title": "På byggeplassen",
           "entries": [{"lemma": "hjelm", "pos": "NOUN", "gloss": "helmet", "cefr": "A2",
                        "examples": ["Du må alltid bruke hjelm på byggeplassen."]}]}

SetId = Annotated[str, Path(max_length=36)]


@router.get("", response_model=VocabularySetList, responses=problems(401, 403))
def list_sets(author: Author, db: DbDep) -> VocabularySetList:
    """The author's own sets (an admin's list: everyone's), the latest changed first."""
    return authoring.list_sets(db, author)


@router.post("", status_code=201, response_model=VocabularySetOut,
             responses=problems(401, 403, 409, 422))
def submit(body: Annotated[dict[str, Any], Body(examples=[EXAMPLE])], author: Author,
           db: DbDep, settings: SettingsDep, now: NowDep) -> VocabularySetOut:
    """Check a vocabulary set (same checks as `b1engine content check`) and preview its items."""
    return authoring.submit(db, author, body, settings, now)


@router.post("/file", response_model=VocabularySetDraft, responses=problems(401, 403, 422))
def read_file(body: VocabularySetFile, author: Author) -> VocabularySetDraft:
    """A YAML or CSV file read as a set, not checked yet (send its `data` to `POST`)."""
    return authoring.read_file(body)


@router.get("/{set_id}", response_model=VocabularySetOut, responses=problems(401, 403, 404))
def get(set_id: SetId, author: Author, db: DbDep) -> VocabularySetOut:
    return authoring.describe(authoring.set_for_author(db, author, set_id))


@router.put("/{set_id}", response_model=VocabularySetOut, responses=problems(401, 403, 404, 409, 422))
def update(set_id: SetId, body: Annotated[dict[str, Any], Body(examples=[EXAMPLE])], author: Author,
           db: DbDep, settings: SettingsDep, now: NowDep) -> VocabularySetOut:
    """Replace a draft or a published set: checked and previewed again (a published set's
    changed exercises go live as new items at once)."""
    return authoring.update(db, author, set_id, body, settings, now)


@router.post("/{set_id}/publish", response_model=VocabularySetOut,
             responses=problems(401, 403, 404, 409))
def publish(set_id: SetId, author: Author, db: DbDep, now: NowDep) -> VocabularySetOut:
    """Make the set's items live as pretest items (prior parameters)."""
    return authoring.publish(db, author, set_id, now)


@router.post("/{set_id}/unpublish", response_model=VocabularySetOut, responses=problems(401, 403, 404, 409))
def unpublish(set_id: SetId, author: Author, db: DbDep, now: NowDep) -> VocabularySetOut:
    """Back to a draft: its items are no longer served (their answers are kept)."""
    return authoring.unpublish(db, author, set_id, now)


@router.post("/{set_id}/retire", response_model=VocabularySetOut, responses=problems(401, 403, 404))
def retire(set_id: SetId, author: Author, db: DbDep, now: NowDep) -> VocabularySetOut:
    """Withdraw the set for good: items no longer served, answers kept, no more edits."""
    return authoring.retire(db, author, set_id, now)


@router.get("/{set_id}/statistics", response_model=SetStatistics, responses=problems(401, 403, 404))
def statistics(set_id: SetId, author: Author, db: DbDep) -> SetStatistics:
    """Each item's answers, share right and parameters (a and b after a calibration)."""
    return authoring.statistics(db, author, set_id)
