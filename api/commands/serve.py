"""``b1engine serve``: migrate, load the bank, and run the service with uvicorn."""
from __future__ import annotations

import argparse
import os

APP_FACTORY = "api.main:create_app"


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the HTTP service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--demo", action="store_true",
                        help="on an empty database: a demo teacher, a class, five learners and "
                             "a few weeks of simulated answers")
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    import uvicorn
    from sqlmodel import Session

    from api.db import make_engine, upgrade
    from api.main import default_bank_items
    from api.services.items import load_bank_items
    from api.settings import Settings

    settings = Settings()
    upgrade(settings.database_url)
    settings.signing_secret()  # generate and persist before workers race for it
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            if settings.load_bank:
                counts = load_bank_items(session, default_bank_items(settings),
                                         datetime.now(timezone.utc))
                print(f"content bank: {counts['inserted']} new, {counts['updated']} updated, "
                      f"{counts['unchanged']} unchanged, {counts['retired']} retired items")
            else:
                print("content bank: not loaded (B1ENGINE_LOAD_BANK=false)")
            if args.demo:
                from api.services.demo import create_demo

                demo = create_demo(session, datetime.now(timezone.utc))
                print(demo.describe() if demo else "demo: database not empty, nothing created")
    finally:
        engine.dispose()
    # The bank is in the database now: workers need not read it again.
    os.environ["B1ENGINE_LOAD_BANK"] = "false"
    print(f"B1 Engine on http://{args.host}:{args.port}  (OpenAPI: /docs)", flush=True)
    uvicorn.run(APP_FACTORY, factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info")
    return 0
