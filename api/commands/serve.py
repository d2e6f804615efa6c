"""``b1engine serve``: migrate, load the bank, and run the service with uvicorn.

In order, so that nothing is created or printed for a server that cannot start:
the address and port are claimed first (a port in use ends the command there),
then the database is named, migrated and the bank loaded, then the demo
(``--demo``) or, on a database without an admin, the one-time setup link.
"""
from __future__ import annotations

import argparse
import errno
import os
import socket
import sys

APP_FACTORY = "api.commands.serve:worker_app"
#: The port when neither ``--port`` nor ``PORT`` says otherwise.
DEFAULT_PORT = 8000
#: Hosts meaning "every interface": the address to print is then this machine's loopback.
ANY_HOST = ("0.0.0.0", "::", "")
#: Seconds a worker may take to answer the supervisor's ping before it is killed and replaced
#: (uvicorn's default: 5). A worker loading the bank's tables while the machine is busy holds
#: the interpreter that long: in the container check of CI (two workers starting on 2 cores at
#: a load average of 9) two starts in four had a worker killed in its warm-up, and requests routed to
#: its replacement waited for the whole warm-up again.
WORKER_PING_TIMEOUT_S = 30
#: Exit status when the address or port cannot be used (as for any bad argument).
EXIT_CANNOT_LISTEN = 2


class CannotListen(Exception):
    """The port or address given cannot be listened on; the message says what to do."""


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
    parser = subparsers.add_parser(
        "serve", help="run the HTTP service",
        description="Run the HTTP service. On a database without an admin account it prints a "
                    "one-time link to create the first admin; --demo fills an empty database with "
                    "demo accounts instead.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, default=None,
                        help=f"port to listen on (default: the PORT environment variable, else {DEFAULT_PORT})")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--demo", action="store_true",
                        help="on an empty database: a demo teacher, a class, five learners and "
                             "a few weeks of simulated answers")
    parser.add_argument("--access-log", action="store_true",
                        help="log every request (off by default: it costs CPU on every answer)")
    parser.set_defaults(func=run_serve)


def chosen_port(option: int | None, environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    """``--port``, else the ``PORT`` environment variable, else :data:`DEFAULT_PORT`
    (:class:`CannotListen` for anything but 1 to 65535)."""
    if option is not None:
        port, where = option, "--port"
    else:
        text = environ.get("PORT", "").strip()
        if not text:
            return DEFAULT_PORT
        if not text.isdigit():
            raise CannotListen(f"PORT={text!r} is not a port number: use a number from 1 to 65535")
        port, where = int(text), "PORT"
    if not 1 <= port <= 65535:
        raise CannotListen(f"{where} {port} is not a port number: use a number from 1 to 65535")
    return port


def claim_port(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, or :class:`CannotListen` saying what is in the way.

    Bound without ``SO_REUSEPORT``, so it fails when anything listens there, another
    b1engine with several workers included (their sockets share the port only with
    sockets that ask to).
    """
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        raise CannotListen(f"--host {host!r} is not an address of this machine: use 127.0.0.1 "
                         "(this machine only) or 0.0.0.0 (every interface)") from None
    sock = socket.socket(family, kind, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        reason = ("is in use (another server, or an earlier b1engine still running)"
                  if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})")
        raise CannotListen(f"port {port} on {host} {reason}: stop it, or choose another port with "
                         f"--port or PORT= (make serve PORT=8080). Nothing was changed.") from None
    return sock


def shown_address(host: str, port: int) -> str:
    """The address to print: loopback when listening on every interface."""
    if host in ANY_HOST:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_serve(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.commands import announce_database
    from api.db import make_engine, upgrade
    from api.main import default_bank_items
    from api.services import setup
    from api.services.items import load_bank_items
    from api.settings import Settings

    try:
        port = chosen_port(args.port)
        sock = claim_port(args.host, port)
    except CannotListen as error:
        print(f"b1engine serve: {error}", file=sys.stderr)
        return EXIT_CANNOT_LISTEN
    try:
        settings = Settings()
        announce_database(settings.database_url)
        upgrade(settings.database_url)
        settings.signing_secret()  # generate and persist before workers race for it
        address = shown_address(args.host, port)
        db_engine = make_engine(settings.database_url)
        try:
            with Session(db_engine) as db:
                now = datetime.now(UTC)
                if settings.load_bank:
                    counts = load_bank_items(db, default_bank_items(settings), now)
                    print(f"content bank: {counts['inserted']} new, {counts['updated']} updated, "
                          f"{counts['unchanged']} unchanged, {counts['retired']} retired items")
                else:
                    print("content bank: not loaded (B1ENGINE_LOAD_BANK=false)")
                if args.demo:
                    from api.services.demo import create_demo

                    demo = create_demo(db, now)
                    print(demo.describe() if demo else "demo: database not empty, nothing created")
                elif setup.needs_admin(db):
                    print(setup.invitation(setup.issue_link(settings, now), address))
        finally:
            db_engine.dispose()
    except BaseException:
        sock.close()
        raise
    # The bank is in the database now: workers need not read it again.
    os.environ["B1ENGINE_LOAD_BANK"] = "false"
    print(f"B1 Engine on {address}  (learner app: {address}/ ; API reference: {address}/docs)", flush=True)
    if args.demo:
        print(f"open {address}/ and log in as a demo learner (demo-learner-1 ... 5, passwords above)", flush=True)
    if args.workers > 1:
        # Each worker binds a socket of its own (below); the port was free a moment ago.
        sock.close()
    _run_uvicorn(args.host, port, args.workers, access_log=args.access_log,
                 trusted_proxies=settings.trusted_proxies, sock=sock if args.workers <= 1 else None)
    return 0


def _run_uvicorn(host: str, port: int, workers: int, access_log: bool,
                 trusted_proxies: list[str], sock: socket.socket | None = None) -> None:
    """``uvicorn.run``, except that with several workers each gets a listening socket of its own.

    uvicorn's supervisor shares one socket among its workers. Two things go wrong on it:
    whichever worker wakes first accepts a burst of new connections and keeps them
    (keep-alive), so under a class logging in at once one worker is busy and the other
    idle (measured: 44 of 50 connections on one worker); and the socket is bound with
    ``proto`` 0, so asyncio leaves Nagle's algorithm on for the accepted connections and
    each keep-alive reply waits ~40 ms for the client's delayed ACK (uvicorn issue #3149).
    Here every worker listens on its own ``SO_REUSEPORT`` socket, made with
    ``IPPROTO_TCP``: the kernel spreads connections evenly and ``TCP_NODELAY`` is set.
    A worker's socket is bound for it but listens only once the worker has warmed up
    (uvicorn listens after the app's start-up): the kernel gives new connections to
    listening sockets only, so none waits in the queue of a worker still loading its
    tables while another could answer (a replacement for a worker that died included).
    One worker serves on ``sock``, the socket bound when the port was checked (made with
    ``IPPROTO_TCP`` too): no moment when another program could take the port. It listens
    at once: with no other worker to answer, a connection waits for the warm-up rather
    than being refused.
    """
    import uvicorn

    # Proxy headers only from the configured proxies (uvicorn trusts 127.0.0.1 by default:
    # anyone on the machine could then claim any address and dodge the per-address limits).
    proxies = {"proxy_headers": bool(trusted_proxies), "forwarded_allow_ips": ",".join(trusted_proxies) or ""}
    if workers <= 1:
        config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, log_level="info",
                                access_log=access_log, **proxies)
        if sock is None:
            sock = config.bind_socket()
        else:
            sock.listen(config.backlog)
        uvicorn.Server(config).run(sockets=[sock])
        return
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                            log_level="info", access_log=access_log,
                            timeout_worker_healthcheck=WORKER_PING_TIMEOUT_S, **proxies)
    _workers_class()(config, lambda: _worker_socket(host, port)).run()


def _worker_socket(host: str, port: int):
    """A worker's socket: bound, not listening (the worker listens when it is ready)."""
    family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                     flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


def _workers_class():
    from uvicorn.supervisors import Multiprocess

    class Workers(Multiprocess):
        """uvicorn's supervisor (restarts, signals, health pings), one socket per worker.

        uvicorn starts every worker right after reading ``self.sockets``; each read
        binds a new socket, and the supervisor's copy is closed once the worker has
        its own (it would keep the worker's socket, and its share of clients, after
        the worker died).
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
