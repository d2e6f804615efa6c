"""``b1engine calibrate``: outputs, report, progress on stderr and exit 2 on bad input."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy.special import expit

from api.cli import main
from calibration_helpers import dichotomous, gpcm, item_names


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def log(tmp_path):
    rng = np.random.default_rng(61)
    sim = dichotomous(800, 20, rng)
    groups = np.where(rng.random(800) < 0.5, "tr", "nb")
    rows = [(f"L{i}", item, int(s), "2026-09-01T10:00:00", groups[i])
            for i, item, s in zip(sim.learners, sim.item_ids, sim.scores)]
    rows.append(("L0", "new-item", 1, "", groups[0]))  # answered by one learner only
    path = _write(tmp_path / "responses.csv", ("learner_id", "item_id", "score", "timestamp", "group"), rows)
    return path, sim


def test_calibrate_writes_params_report_and_progress(log, tmp_path, capsys):
    path, sim = log
    ids = item_names(20)
    bank = _write(tmp_path / "bank.csv", ("item_id", "a", "b", "c"),
                  [(ids[j], sim.a[j], sim.b[j], 0.0) for j in range(10)])
    levels = _write(tmp_path / "levels.csv", ("item_id", "level", "language"),
                    [(ids[j], ("A1", "A2", "B1", "B2")[j % 4], "nb") for j in range(20)])
    out, report = tmp_path / "params.csv", tmp_path / "report.json"
    assert main(["calibrate", path, "--model", "2pl", "--out", str(out), "--anchors", bank,
                 "--report", str(report), "--levels", levels]) == 0
    rows = _read(out)
    assert list(rows[0]) == ["item_id", "a", "b", "c", "se_a", "se_b", "n_responses", "status"]
    by_id = {r["item_id"]: r for r in rows}
    assert by_id["new-item"]["status"] == "insufficient_data" and by_id["new-item"]["a"] == ""
    assert by_id["new-item"]["n_responses"] == "1"
    assert by_id[ids[0]]["status"] == "anchored" and float(by_id[ids[0]]["b"]) == sim.b[0]
    new = [by_id[i] for i in ids[10:]]
    assert all(r["status"] == "calibrated" and float(r["se_b"]) > 0 for r in new)
    assert np.sqrt(np.mean([(float(r["b"]) - b) ** 2 for r, b in zip(new, sim.b[10:])])) < 0.3
    err = capsys.readouterr().err
    assert "calibrate: iteration 1, log-likelihood" in err and "insufficient_data" in err

    body = json.loads(report.read_text())
    assert body["model"] == "2pl" and body["n_items"] == 21 and body["converged"]
    items = {i["item_id"]: i for i in body["items"]}
    assert items["new-item"]["a"] is None and not any(i["misfit"] for i in body["items"])
    assert 0.7 < items[ids[12]]["infit"] < 1.3
    assert {d["reference"] for d in body["dif"]} == {"tr"} or {d["reference"] for d in body["dif"]} == {"nb"}
    assert len(body["dif"]) == 20 and all(d["ets_class"] in "ABC" for d in body["dif"])
    assert [(c["lower"], c["upper"]) for c in body["cut_scores"]] == [("A1", "A2"), ("A2", "B1"), ("B1", "B2")]
    assert all(c["low"] <= c["theta"] <= c["high"] and c["language"] == "nb" for c in body["cut_scores"])


def test_quiet_gpcm_writes_thresholds(tmp_path, capsys):
    sim, thresholds = gpcm(300, 6, np.array([1, 2, 2, 3, 3, 3]), np.random.default_rng(62))
    path = _write(tmp_path / "r.csv", ("learner_id", "item_id", "score"),
                  zip(sim.learners, sim.item_ids, sim.scores))
    out = tmp_path / "p.csv"
    assert main(["calibrate", path, "--model", "gpcm", "--out", str(out), "--quiet", "--max-iter", "3"]) == 0
    assert capsys.readouterr().err == ""
    rows = _read(out)
    assert list(rows[0])[-3:] == ["b1", "b2", "b3"] and rows[0]["b2"] == "" and rows[5]["b3"] != ""


@pytest.mark.parametrize("rows, args, message", [
    ([("x", "i1", "2")], [], "responses.csv, row 2, column 'score': score must be 0..1, got '2'"),
    ([("x", "i1", "yes")], ["--model", "gpcm"], "row 2, column 'score': score must be a non-negative integer"),
    ([("x", "i1", "1"), ("", "i2", "0")], [], "row 3, column 'learner_id': empty value"),
    ([("x", "i1", "1", "g1"), ("x", "i2", "0", "g2")], [], "row 3, column 'group': learner 'x' is in group"),
    ([], [], "responses.csv, row 2: no responses"),
    ([("x", "i1", "1")], ["--max-iter", "0"], "--max-iter: must be >= 1"),
])
def test_bad_input_exits_2_naming_file_row_and_column(tmp_path, capsys, rows, args, message):
    header = ("learner_id", "item_id", "score", "group") if rows and len(rows[0]) == 4 else \
        ("learner_id", "item_id", "score")
    path = _write(tmp_path / "responses.csv", header, rows)
    assert main(["calibrate", path, "--out", str(tmp_path / "p.csv"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("b1engine calibrate: ") and err.count("\n") == 1


def test_bad_anchor_bank_and_missing_column(tmp_path, capsys):
    responses = _write(tmp_path / "responses.csv", ("learner_id", "item_id", "score"), [("x", "i1", "1")])
    bank = _write(tmp_path / "bank.csv", ("item_id", "a", "b", "c"), [("i1", "1.0", "0.0", "0.2")])
    assert main(["calibrate", responses, "--model", "gpcm", "--out", str(tmp_path / "p.csv"),
                 "--anchors", bank]) == 2
    assert "bank.csv, row 2, column 'c'" in capsys.readouterr().err
    missing = _write(tmp_path / "m.csv", ("learner", "item_id", "score"), [("x", "i1", "1")])
    assert main(["calibrate", missing, "--out", str(tmp_path / "p.csv")]) == 2
    assert "m.csv, row 1, column 'learner_id': missing column" in capsys.readouterr().err


def test_an_item_of_one_learner_does_not_stop_a_tiny_fit(tmp_path):
    rng = np.random.default_rng(63)
    rows = [(f"L{i}", f"i{j}", int(rng.random() < expit(0.5 - j))) for i in range(40) for j in range(3)]
    rows.append(("L1", "solo", "0"))
    path = _write(tmp_path / "r.csv", ("learner_id", "item_id", "score"), rows)
    out = tmp_path / "p.csv"
    assert main(["calibrate", path, "--out", str(out), "--quiet"]) == 0
    assert {r["item_id"]: r["status"] for r in _read(out)}["solo"] == "insufficient_data"


def test_the_report_names_the_priors_and_says_what_the_estimates_are(log, tmp_path, capsys):
    path, _ = log
    out, report = tmp_path / "params.csv", tmp_path / "report.json"
    assert main(["calibrate", path, "--out", str(out), "--report", str(report)]) == 0
    body = json.loads(report.read_text())
    assert body["estimator"].startswith("posterior mode (Bayes modal estimation")
    assert body["priors"] == {"a": "lognormal: log a ~ N(0, 0.5^2)", "b": "N(0, 3^2)"}
    assert body["standard_errors"].startswith("cross-product (XPD) information per item block")
    assert body["population_se"] == {}
    assert ("calibrate: estimates are posterior mode (Bayes modal estimation by marginal maximum likelihood EM "
            "with item priors; Mislevy, 1986); priors a: lognormal: log a ~ N(0, 0.5^2), b: N(0, 3^2)"
            in capsys.readouterr().err)
    default_b = [float(r["b"]) for r in _read(out) if r["b"]]

    assert main(["calibrate", path, "--out", str(out), "--report", str(report), "--priors", "none",
                 "--se", "crossproduct"]) == 0
    body = json.loads(report.read_text())
    assert body["estimator"].startswith("maximum likelihood (marginal maximum likelihood by EM, no item priors")
    assert body["priors"] == {}
    assert body["standard_errors"].startswith("full cross-product (XPD) information over every free parameter")
    assert "calibrate: estimates are maximum likelihood" in capsys.readouterr().err
    plain_b = [float(r["b"]) for r in _read(out) if r["b"]]
    assert len(plain_b) == len(default_b) and plain_b != default_b


def test_se_crossproduct_on_too_large_a_bank_exits_2(log, tmp_path, capsys, monkeypatch):
    import calibration.em

    monkeypatch.setattr(calibration.em, "MAX_FULL_PARAMETERS", 10)
    path, _ = log
    assert main(["calibrate", path, "--out", str(tmp_path / "p.csv"), "--se", "crossproduct", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("b1engine calibrate: --se: full cross-product standard errors need a 40 x 40 matrix")
