"""HTTP routes, one module per resource. Routes only translate HTTP to service calls."""
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from api.errors import PROBLEM_MEDIA_TYPE, error_titles
from api.schemas import Problem


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these statuses: the problem-details body, described by the title
    of the error class that produces the status (one source: :mod:`api.errors`)."""
    titles = error_titles()
    return {status: {"description": titles[status], "model": Problem,
                     "content": {PROBLEM_MEDIA_TYPE: {}}} for status in statuses}


def reply(model: BaseModel) -> Response:
    """``model`` as the JSON reply, serialised in the route's thread.

    A plain-``def`` route that returns a model has it validated again by FastAPI in
    one more thread hop; the hot routes (``next``, ``responses``) build their
    ``response_model`` themselves and return it this way (the schema stays documented).
    """
    return Response(model.model_dump_json(), media_type="application/json")
