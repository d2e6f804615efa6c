"""HTTP routes, one module per resource. Routes only translate HTTP to service calls."""

#: Problem-details responses documented on every route that can produce them.
PROBLEM = {"model": None, "content": {"application/problem+json": {}}}


def problems(*statuses: int) -> dict[int, dict]:
    descriptions = {400: "Bad request", 401: "Not authenticated", 403: "Wrong role",
                    404: "Not found", 409: "Conflict", 422: "Invalid request",
                    429: "Too many requests",
                    503: "Unavailable"}
    return {status: {"description": descriptions[status],
                     "content": {"application/problem+json": {}}} for status in statuses}
