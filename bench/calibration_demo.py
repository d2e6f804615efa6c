"""The issue's case, measured: the ``serve --demo`` class before and after a calibration run.

Builds the demo database (``api.services.demo``: five learners, four weeks of answers on
the bundled bank) in a temporary SQLite file, shows each learner's level as their teacher
sees it (the growth state's estimate, the latest reported estimate, the last point of the
re-estimated curve), runs a calibration with the server's defaults (a dry run, then a real
one) and shows the same again, with the run's result.

Run: ``.venv/bin/python bench/calibration_demo.py`` (16 s on an idle machine; ``--seed`` picks
another demo story; the demo draws its sessions' seeds at random, so the figures move a
little from one run to the next).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session, select

from api.db import make_engine, upgrade
from api.models import User
from api.schemas import CalibrationCreate
from api.services import calibrations, curves, learners
from api.services.demo import DEMO_SEED, create_demo
from api.services.items import load_bank_items
from api.settings import Settings
from content.bank import default_bank


def levels(db: Session, class_id: int, now: datetime) -> list[tuple[str, str, str, str]]:
    from api.models import SchoolClass

    school_class = db.get(SchoolClass, class_id)
    assert school_class is not None
    shown = curves.class_curves(db, school_class, now)
    out = []
    for line in shown.learners:
        user = db.get(User, line.id)
        assert user is not None
        progress = learners.progress(db, user)
        current = f"{progress.overall.level} {progress.overall.theta:+.3f}" if progress.overall else "-"
        reported = f"{line.reported[-1].level} {line.reported[-1].theta:+.3f}" if line.reported else "-"
        curve = f"{line.overall[-1].level} {line.overall[-1].theta:+.3f}" if line.overall else "-"
        out.append((line.username, current, reported, curve))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    args = parser.parse_args()
    started = time.perf_counter()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        upgrade(url)
        db_engine = make_engine(url)
        # Thrown away afterwards: no need to wait for the disk at each of the demo's commits.
        event.listen(db_engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous=OFF"))
        try:
            with Session(db_engine) as db:
                load_bank_items(db, default_bank().items, now)
                demo = create_demo(db, now, seed=args.seed)
                assert demo is not None
                admin = User(username="bench-admin", login_key="bench-admin", password_hash="-", role="admin",
                             created_at=now)
                db.add(admin)
                db.commit()
                before = levels(db, demo.class_id, now)
                settings = Settings(database_url=url, jwt_secret="x" * 40)
                results = []
                for dry_run in (True, False):
                    run = calibrations.create_run(db, admin, CalibrationCreate(dry_run=dry_run), settings, now)
                    calibrations.run(db_engine, run.id)
                    db.expire_all()
                    results.append(calibrations.describe(db, calibrations.get_run(db, run.id)))
                after = levels(db, demo.class_id, now)
                runs = list(db.exec(select(User.username).where(User.role == "admin")))
        finally:
            db_engine.dispose()
    print(f"demo: {demo.answers} answers of 5 learners over {demo.weeks} weeks (seed {args.seed}); admins {runs}")
    print("| learner | now, before | now, after | last reported, before | after | curve's end, before | after |")
    print("|---|---|---|---|---|---|---|")
    for (name, now_b, told_b, curve_b), (_, now_a, told_a, curve_a) in zip(before, after):
        print(f"| {name} | {now_b} | {now_a} | {told_b} | {told_a} | {curve_b} | {curve_a} |")
    for result in results:
        assert result.result is not None
        kind = "dry run" if result.dry_run else "run"
        print(f"{kind} with the defaults {result.options.model_dump()}: {result.result.message}")
    print(f"unchanged: {before == after}; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
