"""``b1engine track``: the command-line contract of the growth model."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from api.cli import main
from engine.growth import GrowthParameters, filter_abilities

START = datetime(2026, 9, 1, 9, 0, tzinfo=timezone.utc)


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(7)
    bank = [(f"i{k}", round(float(rng.lognormal(0, 0.2)), 3), round(float(rng.normal()), 3), 0.0)
            for k in range(40)]
    rows = []
    for learner in ("ana", "bo"):
        for step in range(30):
            moment = START + timedelta(days=2 * (step // 5), seconds=30 * step)
            item = bank[int(rng.integers(len(bank)))][0]
            rows.append((learner, item, int(rng.random() < 0.3 + step / 60), moment.isoformat()))
    return (_write(tmp_path / "bank.csv", ("item_id", "a", "b", "c"), bank),
            _write(tmp_path / "responses.csv", ("learner_id", "item_id", "score", "timestamp"), rows),
            tmp_path / "abilities.csv", bank, rows)


def _read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_track_writes_one_row_per_response_matching_the_engine(files):
    bank_path, responses_path, out, bank, rows = files
    assert main(["track", responses_path, "--bank", bank_path, "--out", str(out), "--drift", "0.01",
                 "--growth-sd", "0.01"]) == 0
    written = _read(out)
    assert list(written[0]) == ["learner_id", "timestamp", "theta", "se"]
    assert [(r["learner_id"], r["timestamp"]) for r in written] == [(r[0], r[3]) for r in rows]
    params = {item_id: (a, b, c) for item_id, a, b, c in bank}
    a, b, c = (np.array([params[r[1]][k] for r in rows]) for k in range(3))
    days = np.array([(datetime.fromisoformat(r[3]) - START).total_seconds() / 86_400 for r in rows])
    expected = filter_abilities(np.array([r[0] for r in rows]), days, a, b, c, np.array([r[2] for r in rows]),
                                GrowthParameters(drift=0.01, growth_mean=0.0, growth_sd=0.01))
    np.testing.assert_allclose([float(r["theta"]) for r in written], expected.theta, rtol=1e-12)
    np.testing.assert_allclose([float(r["se"]) for r in written], expected.se, rtol=1e-12)


def test_smoothed_se_is_not_above_filtered_se(files):
    bank_path, responses_path, out, _, _ = files
    assert main(["track", responses_path, "--bank", bank_path, "--out", str(out), "--drift", "0.02"]) == 0
    filtered = [float(r["se"]) for r in _read(out)]
    assert main(["track", responses_path, "--bank", bank_path, "--out", str(out), "--drift", "0.02",
                 "--smooth"]) == 0
    smoothed = [float(r["se"]) for r in _read(out)]
    assert all(s <= f + 1e-3 for s, f in zip(smoothed, filtered))
    assert sum(smoothed) < sum(filtered)


def test_fit_drift_reports_the_fitted_parameters(files, capsys):
    bank_path, responses_path, out, _, rows = files
    assert main(["track", responses_path, "--bank", bank_path, "--out", str(out), "--fit-drift"]) == 0
    assert "fitted: drift=" in capsys.readouterr().err
    assert len(_read(out)) == len(rows)


@pytest.mark.parametrize("row, column, message", [
    (("ana", "nope", "1", START.isoformat()), "item_id", "is not in"),
    (("ana", "i1", "2", START.isoformat()), "score", "score must be 0 or 1"),
    (("ana", "i1", "1", "yesterday"), "timestamp", "not an ISO 8601 timestamp"),
])
def test_bad_rows_exit_2_naming_file_row_and_column(files, tmp_path, capsys, row, column, message):
    bank_path, _, out, _, _ = files
    good = ("bo", "i1", "1", START.isoformat())
    path = _write(tmp_path / "bad.csv", ("learner_id", "item_id", "score", "timestamp"), [good, row])
    assert main(["track", path, "--bank", bank_path, "--out", str(out), "--drift", "0"]) == 2
    error = capsys.readouterr().err
    assert f"{path}, row 3, column '{column}'" in error and message in error


def test_missing_column_exits_2(files, tmp_path, capsys):
    bank_path, _, out, _, _ = files
    path = _write(tmp_path / "bad.csv", ("learner_id", "item_id", "score"), [("bo", "i1", "1")])
    assert main(["track", path, "--bank", bank_path, "--out", str(out), "--drift", "0"]) == 2
    assert "column 'timestamp': missing column" in capsys.readouterr().err
