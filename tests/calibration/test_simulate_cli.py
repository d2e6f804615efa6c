"""``b1engine simulate-cat``: the command-line contract of issue 2."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from api.cli import main

SEED = 20260905


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def bank(tmp_path):
    rng = np.random.default_rng(SEED)
    rows = [f"i{j},{a:.3f},{b:.3f}" for j, (a, b) in
            enumerate(zip(rng.lognormal(0.2, 0.25, 300), rng.uniform(-3, 3, 300)))]
    return write(tmp_path / "bank.csv", "item_id,a,b\n" + "\n".join(rows) + "\n")


@pytest.fixture
def thetas(tmp_path):
    rng = np.random.default_rng(SEED + 1)
    rows = [f"L{n},{t!r}" for n, t in enumerate(rng.normal(0, 1, 150).tolist())]
    return write(tmp_path / "thetas.csv", "learner_id,theta\n" + "\n".join(rows) + "\n")


def results(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_simulate_cat_writes_one_row_per_learner_with_sensible_values(tmp_path, bank, thetas):
    out = tmp_path / "results.csv"
    assert main(["simulate-cat", "--bank", bank, "--thetas", thetas, "--out", str(out), "--seed", "3"]) == 0
    rows = results(out)
    assert list(rows[0]) == ["learner_id", "theta_true", "theta_hat", "se", "n_items", "level"]
    assert [r["learner_id"] for r in rows] == [f"L{n}" for n in range(150)]
    true = np.array([float(r["theta_true"]) for r in rows])
    hat = np.array([float(r["theta_hat"]) for r in rows])
    se = np.array([float(r["se"]) for r in rows])
    n_items = np.array([int(r["n_items"]) for r in rows])
    level = np.array([int(r["level"]) for r in rows])
    assert np.all((n_items >= 5) & (n_items <= 40))
    assert np.all((se <= 0.3) | (n_items == 40))
    assert np.sqrt(np.mean((hat - true) ** 2)) < 0.4
    np.testing.assert_array_equal(level, np.searchsorted([-1.0, 0.0, 1.0], hat, side="right"))
    # The same seed gives the same file.
    again = tmp_path / "again.csv"
    main(["simulate-cat", "--bank", bank, "--thetas", thetas, "--out", str(again), "--seed", "3"])
    assert again.read_text() == out.read_text()


def test_options_change_the_run(tmp_path, bank, thetas):
    out = tmp_path / "results.csv"
    assert main(["simulate-cat", "--bank", bank, "--thetas", thetas, "--out", str(out), "--seed", "4",
                 "--min-items", "8", "--max-items", "12", "--stop-se", "0.1", "--selection", "pwi",
                 "--estimator", "wle", "--cuts", "-0.5,0.5"]) == 0
    rows = results(out)
    assert {int(r["n_items"]) for r in rows} == {12}
    assert {int(r["level"]) for r in rows} <= {0, 1, 2}


def test_classify_stops_on_the_sprt_and_places_learners_in_their_band(tmp_path, bank):
    thetas = write(tmp_path / "far.csv", "learner_id,theta\n" + "\n".join(
        f"L{n},{t}" for n, t in enumerate(np.repeat([-2.0, -0.5, 0.5, 2.0], 25))) + "\n")
    out = tmp_path / "results.csv"
    assert main(["simulate-cat", "--bank", bank, "--thetas", thetas, "--out", str(out), "--seed", "5",
                 "--classify", "--cuts", "-1.0,0.0,1.0"]) == 0
    rows = results(out)
    truth = np.searchsorted([-1.0, 0.0, 1.0], [float(r["theta_true"]) for r in rows], side="right")
    placed = np.array([int(r["level"]) for r in rows])
    assert np.mean(placed == truth) >= 0.9
    assert np.mean([int(r["n_items"]) for r in rows]) < 25


@pytest.mark.parametrize("file, text, where", [
    ("bank", "item_id,b\ni1,0.0\n", "bank.csv, row 1, column 'a'"),
    ("bank", "item_id,a,b\ni1,1.0,0.0\ni2,abc,0.5\n", "bank.csv, row 3, column 'a'"),
    ("bank", "item_id,a,b\ni1,1.0,0.0\ni2,0,0.5\n", "bank.csv, row 3, column 'a'"),
    ("bank", "item_id,a,b\ni1,1.0,0.0\ni1,1.2,0.5\n", "bank.csv, row 3, column 'item_id'"),
    ("bank", "item_id,a,b,c\ni1,1.0,0.0,1.5\n", "bank.csv, row 2, column 'c'"),
    ("thetas", "learner,theta\nL1,0.0\n", "thetas.csv, row 1, column 'learner_id'"),
    ("thetas", "learner_id,theta\nL1,0.0\nL2,high\n", "thetas.csv, row 3, column 'theta'"),
    ("thetas", "learner_id,theta\nL1,0.0\nL1,0.5\n", "thetas.csv, row 3, column 'learner_id'"),
])
def test_bad_input_exits_2_with_one_line_naming_file_row_and_column(tmp_path, capsys, file, text, where):
    paths = {"bank": write(tmp_path / "bank.csv", "item_id,a,b\ni1,1.0,0.0\n"),
             "thetas": write(tmp_path / "thetas.csv", "learner_id,theta\nL1,0.0\n")}
    paths[file] = write(tmp_path / f"{file}.csv", text)
    status = main(["simulate-cat", "--bank", paths["bank"], "--thetas", paths["thetas"],
                   "--out", str(tmp_path / "out.csv")])
    message = capsys.readouterr().err
    assert status == 2
    assert message.count("\n") == 1 and where in message
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("option, value", [("--cuts", "0,-1"), ("--cuts", "a,1"), ("--stop-se", "0"),
                                           ("--min-items", "50")])
def test_bad_options_exit_2_naming_the_option(tmp_path, capsys, bank, thetas, option, value):
    status = main(["simulate-cat", "--bank", bank, "--thetas", thetas, "--out", str(tmp_path / "o.csv"),
                   option, value])
    assert status == 2
    assert capsys.readouterr().err.startswith(f"b1engine simulate-cat: {option}")


@pytest.fixture
def labelled_bank(tmp_path):
    """A bank export with skill and type columns (what ``content export --format bank-csv`` writes)."""
    from engine.simulate import draw_bank

    bank = draw_bank(np.random.default_rng(SEED + 2), 250)
    rows = [f"i{j},{a:.3f},{b:.3f},{c:.4f},{s},{t}" for j, (a, b, c, s, t) in
            enumerate(zip(bank.a, bank.b, bank.c, bank.skill, bank.type))]
    return write(tmp_path / "labelled.csv", "item_id,a,b,c,skill,type\n" + "\n".join(rows) + "\n"), bank


def test_the_placement_design_runs_with_content_balance_from_the_bank_columns(tmp_path, labelled_bank, thetas):
    path, bank = labelled_bank
    out = tmp_path / "placement.csv"
    assert main(["simulate-cat", "--design", "placement", "--bank", path, "--thetas", thetas, "--out", str(out),
                 "--seed", "6"]) == 0
    rows = results(out)
    lengths = np.array([int(r["n_items"]) for r in rows])
    assert np.all((lengths >= 8) & (lengths <= 40))
    # It is the engine's placement design on this bank, with these labels.
    from engine.design import PLACEMENT
    from engine.simulate import simulate_cat

    values = [float(r["theta_true"]) for r in rows]
    expected = simulate_cat(values, np.round(bank.a, 3), np.round(bank.b, 3), np.round(bank.c, 4),
                            np.random.default_rng(6), PLACEMENT, skills=bank.skill, types=bank.type)
    assert lengths.tolist() == expected.n_items.tolist()
    assert [int(r["level"]) for r in rows] == expected.level.tolist()


def test_a_bank_without_content_columns_runs_the_placement_without_balance_and_says_so(tmp_path, capsys, bank,
                                                                                       thetas):
    out = tmp_path / "results.csv"
    assert main(["simulate-cat", "--design", "placement", "--bank", bank, "--thetas", thetas, "--out", str(out),
                 "--seed", "7"]) == 0
    err = capsys.readouterr().err
    assert "no skill column" in err and "no type column" in err
    assert len(results(out)) == 150


def test_explicit_options_override_the_design(tmp_path, labelled_bank, thetas):
    path, _ = labelled_bank
    out = tmp_path / "results.csv"
    assert main(["simulate-cat", "--design", "placement", "--bank", path, "--thetas", thetas, "--out", str(out),
                 "--seed", "8", "--min-items", "6", "--max-items", "9", "--indifference", "0.5", "--alpha", "0.2",
                 "--beta", "0.2", "--rule", "sprt", "--curtail", "none", "--top-k", "1"]) == 0
    lengths = {int(r["n_items"]) for r in results(out)}
    assert lengths <= set(range(6, 10)) and len(lengths) > 1


def test_classify_without_a_design_is_the_classification_design(tmp_path, bank, thetas):
    out, again = tmp_path / "a.csv", tmp_path / "b.csv"
    main(["simulate-cat", "--classify", "--bank", bank, "--thetas", thetas, "--out", str(out), "--seed", "9"])
    main(["simulate-cat", "--design", "classification", "--bank", bank, "--thetas", thetas, "--out", str(again),
          "--seed", "9"])
    assert out.read_text() == again.read_text()


@pytest.mark.parametrize("option, value", [("--alpha", "0.5"), ("--beta", "0"), ("--indifference", "-0.1"),
                                           ("--curtail", "1.2"), ("--curtail", "often"), ("--top-k", "0"),
                                           ("--max-items", "0")])
def test_bad_design_options_exit_2_naming_the_option(tmp_path, capsys, bank, thetas, option, value):
    status = main(["simulate-cat", "--bank", bank, "--thetas", thetas, "--out", str(tmp_path / "o.csv"),
                   option, value])
    assert status == 2
    assert capsys.readouterr().err.startswith(f"b1engine simulate-cat: {option}")


def test_an_empty_content_cell_names_its_row_and_column(tmp_path, capsys, thetas):
    path = write(tmp_path / "bank.csv", "item_id,a,b,c,skill,type\ni1,1.0,0.0,0.0,grammar,word_order\n"
                                        "i2,1.0,0.5,0.0,,word_order\n")
    status = main(["simulate-cat", "--design", "placement", "--bank", path, "--thetas", thetas,
                   "--out", str(tmp_path / "o.csv")])
    assert status == 2
    assert "bank.csv, row 3, column 'skill'" in capsys.readouterr().err
