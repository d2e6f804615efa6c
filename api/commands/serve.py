"""``b1engine serve``: migrate, load the bank, and run the service with uvicorn."""
from __future__ import annotations

import argparse
import os

APP_FACTORY = "api.commands.serve:worker_app"


def worker_app():
    """The app of one server process, its start-up objects kept out of the cycle collector.

    Everything imported and built at start-up (FastAPI, pydantic, SQLAlchemy, numpy,
    the routes: some 150,000 objects) lives as long as the process. Python's cycle
    collector walks all of them at each full collection, which stalled a worker for
    about 100 ms every 20 s under load; ``gc.freeze()`` moves them out of its view.
    """
    import gc

    from api.main import create_app

    app = create_app()
    gc.freeze()
    return app


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
    db_engine = make_engine(settings.database_url)
    try:
        with Session(db_engine) as db:
            if settings.load_bank:
                counts = load_bank_items(db, default_bank_items(settings),
                                         datetime.now(timezone.utc))
                print(f"content bank: {counts['inserted']} new, {counts['updated']} updated, "
                      f"{counts['unchanged']} unchanged, {counts['retired']} retired items")
            else:
                print("content bank: not loaded (B1ENGINE_LOAD_BANK=false)")
            if args.demo:
                from api.services.demo import create_demo

                demo = create_demo(db, datetime.now(timezone.utc))
                print(demo.describe() if demo else "demo: database not empty, nothing created")
    finally:
        db_engine.dispose()
    # The bank is in the database now: workers need not read it again.
    os.environ["B1ENGINE_LOAD_BANK"] = "false"
    print(f"B1 Engine on http://{args.host}:{args.port}  (OpenAPI: /docs)", flush=True)
    _run_uvicorn(args.host, args.port, args.workers, access_log=args.access_log,
                 trusted_proxies=settings.trusted_proxies)
    return 0


def _run_uvicorn(host: str, port: int, workers: int, access_log: bool,
                 trusted_proxies: list[str]) -> None:
    """``uvicorn.run``, except that with several workers each gets a listening socket of its own.

    uvicorn's supervisor shares one socket among its workers. Two things go wrong on it:
    whichever worker wakes first accepts a burst of new connections and keeps them
    (keep-alive), so under a class logging in at once one worker is busy and the other
    idle (measured: 44 of 50 connections on one worker); and the socket is bound with
    ``proto`` 0, so asyncio leaves Nagle's algorithm on for the accepted connections and
    each keep-alive reply waits ~40 ms for the client's delayed ACK (uvicorn issue #3149).
    Here every worker listens on its own ``SO_REUSEPORT`` socket, made with
    ``IPPROTO_TCP``: the kernel spreads connections evenly and ``TCP_NODELAY`` is set.
    One worker is unaffected.
    """
    import uvicorn

    # Proxy headers only from the configured proxies (uvicorn trusts 127.0.0.1 by default:
    # anyone on the machine could then claim any address and dodge the per-address limits).
    proxies = {"proxy_headers": bool(trusted_proxies), "forwarded_allow_ips": ",".join(trusted_proxies) or ""}
    if workers <= 1:
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, log_level="info",
                    access_log=access_log, **proxies)
        return
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                            log_level="info", access_log=access_log, **proxies)
    _workers_class()(config, lambda: _listening_socket(host, port, config.backlog)).run()


def _listening_socket(host: str, port: int, backlog: int):
    import socket

    family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                     flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _workers_class():
    from uvicorn.supervisors import Multiprocess

    class Workers(Multiprocess):
        """uvicorn's supervisor (restarts, signals, health pings), one socket per worker.

        uvicorn starts every worker right after reading ``self.sockets``; each read
        binds a new socket, and the supervisor's copy is closed once the worker has
        its own (a listening socket nobody accepts on would get its share of clients).
        """

        def __init__(self, config, bind) -> None:
            self._bind, self._handed = bind, []
            super().__init__(config, sockets=[])

        @property
        def sockets(self):
            sock = self._bind()
            self._handed.append(sock)
            return [sock]

        @sockets.setter
        def sockets(self, value) -> None:
            pass  # uvicorn's __init__ stores the shared list; there is none here

        def _close_handed(self) -> None:
            for sock in self._handed:
                sock.close()
            self._handed.clear()

        def init_processes(self) -> None:
            super().init_processes()
            self._close_handed()

        def restart_all(self) -> None:
            super().restart_all()
            self._close_handed()

        def keep_subprocess_alive(self) -> None:
            super().keep_subprocess_alive()
            self._close_handed()

    return Workers
