"""The service's commands (``serve``, ``db``, ``users``, ``growth``) and what they share."""
from __future__ import annotations

import sys


def announce_database(url: str) -> None:
    """Say which database a command is about to use, before it touches it (on standard
    error, so a command's own output stays clean for pipes). A command run from another
    folder or with another environment shows at once that it reached another database."""
    from api.db import describe_url

    print(f"database: {describe_url(url)}", file=sys.stderr, flush=True)
