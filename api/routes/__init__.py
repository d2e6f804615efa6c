"""HTTP routes, one module per resource. Routes only translate HTTP to service calls."""
from fastapi import Response
from pydantic import BaseModel

#: Problem-details responses documented on every route that can produce them.
PROBLEM = {"model": None, "content": {"application/problem+json": {}}}


def problems(*statuses: int) -> dict[int, dict]:
    descriptions = {400: "Bad request", 401: "Not authenticated", 403: "Wrong role",
                    404: "Not found", 409: "Conflict", 422: "Invalid request",
                    429: "Too many requests",
                    503: "Unavailable"}
    return {status: {"description": descriptions[status],
                     "content": {"application/problem+json": {}}} for status in statuses}


def reply(model: BaseModel) -> Response:
    """``model`` as the JSON reply, serialised in the route's thread.

    A plain-``def`` route that returns a model has it validated again by FastAPI in
    one more thread hop; the hot routes (``next``, ``responses``) build their
    ``response_model`` themselves and return it this way (the schema stays documented).
    """
    return Response(model.model_dump_json(), media_type="application/json")
