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
    parser.add_argument("--access-log", action="store_true",
                        help="log every request (off by default: it costs CPU on every answer)")
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
    _run_uvicorn(args.host, args.port, args.workers, access_log=args.access_log)
    return 0


def _run_uvicorn(host: str, port: int, workers: int, access_log: bool) -> None:
    """``uvicorn.run``, except that with several workers the listening socket is made here.

    uvicorn's supervisor binds its socket with ``proto`` 0; the accepted sockets inherit
    it and asyncio then leaves Nagle's algorithm on (it sets ``TCP_NODELAY`` only for
    ``IPPROTO_TCP``), so on a keep-alive connection each reply waits ~40 ms for the
    client's delayed ACK (uvicorn issue #3149). One worker is unaffected.
    """
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if workers <= 1:
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, log_level="info",
                    access_log=access_log)
        return
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                            log_level="info", access_log=access_log)
    bound = config.bind_socket()
    sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    sock.set_inheritable(True)
    Multiprocess(config, sockets=[sock]).run()
