"""The FastAPI application: ``create_app()``.

The lifespan opens the database (schema managed by Alembic, see
``b1engine db upgrade``) and loads the content bank into the items table once
per process, idempotently. Routes are thin: one module per resource in
:mod:`api.routes`, calling :mod:`api.services`.
"""
from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Iterable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from sqlmodel import Session
from starlette.middleware.gzip import GZipMiddleware

from api import errors
from api.db import make_engine
from api.middleware import DOCS_ASSETS, AdmissionLimit, BodyLimits, SecurityHeaders
from api.settings import Settings

logger = logging.getLogger("b1engine.api")

API_DESCRIPTION = """Adaptive placement tests and drills for learners, ability curves and
alerts for teachers, vocabulary-set authoring, item calibration. Errors are RFC 9457
problem details (`application/problem+json`); bad input names each field in `errors`
(`body.entries[4].examples[1]`: list positions count from 1). Authenticate with
`POST /v1/auth/token`."""
#: Replies smaller than this are sent as they are: compressing them saves a few bytes and
#: costs a pass over them. A class's curves (hundreds of kB of JSON) shrink about fivefold.
GZIP_MINIMUM_BYTES = 1024
#: zlib's default level. Measured on the demo class's curves (191 kB of JSON): level 6 gives
#: 35.9 kB in 5 ms, level 9 34.2 kB in 9 ms, level 1 42.5 kB in 1 ms (docs/operations.md).
GZIP_LEVEL = 6


def default_bank_items(settings: Settings) -> Iterable[Any]:
    from content.bank import default_bank, load_bank

    bank = load_bank(settings.bank_root) if settings.bank_root else default_bank()
    return bank.items


def create_app(settings: Settings | None = None,
               bank_items: Callable[[Settings], Iterable[Any]] | None = None) -> FastAPI:
    """Build the app. ``bank_items`` replaces the content bank (tests use a small one)."""
    settings = settings or Settings()
    load_items = bank_items or default_bank_items

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db_engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        app.state.db_engine = db_engine
        # Plain-def routes run in anyio's thread pool (40 threads by default); no more
        # requests than connections are admitted (AdmissionLimit), nor threads needed.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        if settings.load_bank:
            from api.services.items import load_bank_items

            with Session(db_engine) as db:
                counts = load_bank_items(db, load_items(settings), datetime.now(UTC))
            logger.info("content bank: %s", counts)
        if settings.warm_up:
            from api.services.warmup import warm, warm_routes

            with Session(db_engine) as db:
                await anyio.to_thread.run_sync(warm, db)
            await warm_routes(app)
            from api.charts import warm as warm_charts

            warm_charts()  # fonts and text layout, before the first teacher's chart
            # What was loaded lives as long as the worker: out of the cycle collector's view.
            gc.freeze()
        from api.services.lti.platform import PlatformClient

        # Tests put a transport to their fake platform in app.state.lti_transport.
        app.state.lti_platforms = PlatformClient(getattr(app.state, "lti_transport", None))
        outbox = (asyncio.get_running_loop().create_task(_grade_outbox(app, settings))
                  if settings.lti_outbox_interval_seconds > 0 else None)
        try:
            yield
        finally:
            if outbox is not None:
                outbox.cancel()
                with suppress(asyncio.CancelledError):
                    await outbox
            app.state.lti_platforms.close()
            db_engine.dispose()

    # No trailing-slash redirects: they echoed the request's Host header in Location.
    # /docs and /redoc load Swagger UI and ReDoc from the app itself (fastapi-offline ships
    # them): a school network without internet still shows the API reference.
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    app = FastAPIOffline(title="B1 Engine", version="0.1.0", description=API_DESCRIPTION,
                         lifespan=lifespan, redirect_slashes=False, static_url=DOCS_ASSETS,
                         swagger_ui_parameters={"validatorUrl": None})
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    # Outermost last: security headers on every reply (refusals included), then the body read
    # whole (a slow client holds no admission slot), then compression of large replies (it
    # sees only responses: the request body reaches the app as BodyLimits read it), then
    # admission (a request waiting for it holds no connection and no thread).
    app.add_middleware(AdmissionLimit, limit=settings.db_pool_size)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(BodyLimits, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes,
                       max_header=settings.max_header_bytes, read_timeout=settings.body_read_timeout_seconds)
    app.add_middleware(SecurityHeaders, hsts_seconds=settings.hsts_seconds)
    errors.install(app)

    from api.routes import (
        auth,
        calibrations,
        charts,
        classes,
        health,
        languages,
        learners,
        lti,
        pages,
        previews,
        sessions,
        setup,
        users,
        vocabulary_sets,
    )

    for module in (health, setup, auth, users, classes, sessions, previews, learners, languages,
                   vocabulary_sets, calibrations, charts, lti, pages):
        app.include_router(module.router)
    app.mount("/static", pages.static_files(), name="static")  # the pages' scripts and styles
    app.openapi = lambda: _openapi_with_problems(app)
    return app


async def _grade_outbox(app: FastAPI, settings: Settings) -> None:
    """Send the LTI grades that are due, every ``lti_outbox_interval_seconds``, until shutdown
    (:mod:`api.services.lti.grades`): after a restart, what was left is sent on the first pass."""
    from api.services.lti.grades import flush

    def one_pass() -> None:
        with Session(app.state.db_engine) as db:
            report = flush(db, app.state.lti_platforms, datetime.now(UTC))
        if report.delivered or report.failed:
            logger.info("LTI grades: %s", report)

    while True:
        await anyio.sleep(settings.lti_outbox_interval_seconds)
        try:
            await anyio.to_thread.run_sync(one_pass)
        except Exception:  # a database hiccup: the next pass tries again
            logger.exception("LTI grade outbox pass failed")


def _openapi_with_problems(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema, every error response documented as problem details."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from api.errors import PROBLEM_MEDIA_TYPE
    from api.schemas import Problem

    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                # A body that cannot be parsed at all (not UTF-8, broken form encoding).
                operation["responses"].setdefault("400", {"description": "Malformed body"})
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    response["content"] = {PROBLEM_MEDIA_TYPE: {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema
