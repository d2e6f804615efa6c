"""``b1engine content``: check, stats, export, import, through the real entry point."""
from __future__ import annotations

import json

import yaml

from api.cli import EXIT_BAD_INPUT, main
from content_helpers import GOOD_SET, write
from content.scoring import check_answer
from content.schema import Item

CSV = """lemma,pos,gloss,example,cefr
vaskemiddel,NOUN,detergent,Vaskemiddelet står i skapet.,A2
vaskemiddel,NOUN,detergent,Vi trenger mer vaskemiddel.,A2
bøtte,NOUN,bucket,Fyll bøtta med varmt vann.,A1
mopp,NOUN,mop,Moppen henger på veggen.,A2
klut,NOUN,cloth,Tørk bordet med en ren klut.,A1
"""


def test_check_one_file_and_a_small_bank(small_bank, capsys):
    assert main(["content", "check", str(small_bank / "nb" / "b1" / "work.yaml")]) == 0
    assert main(["content", "check", str(small_bank)]) == 1
    out = capsys.readouterr().out.splitlines()
    # A whole bank is held to the counts: the small one is far below them.
    assert f"{small_bank / 'nb'}:0: count: 4 B1-track items in 'nb', at least 200 required" in out
    assert any(line.startswith(f"{small_bank / 'nb' / 'trade' / 'construction.yaml'}:5: trade.construction:")
               for line in out)
    assert all(line.count(": ") >= 2 for line in out)


def test_check_reports_words_and_lemmas_by_line(small_bank, capsys):
    broken = GOOD_SET.replace("Kan du gi meg hammeren?", "Kan du gi meg skrutrekkeren?").replace(
        "Sagen ligger i bilen.", "Sagen ligger i bilenn.")
    path = write(small_bank, "nb/trade/construction.yaml", broken)
    assert main(["content", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{path}:18: entries[1].examples[0]: no form of 'hammer' found (by lemma) in the sentence" in out
    assert any(line.startswith(f"{path}:30: entries[3].examples[0]: unknown word 'bilenn'") for line in out)


def test_export_gives_every_item_with_answers_the_service_accepts(small_bank, capsys):
    assert main(["content", "export", "--format", "jsonl", "--bank", str(small_bank)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) > 10 and len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert {"id", "language", "track", "trade", "skill", "type", "cefr", "prompt", "options",
                "answers", "a", "b", "c", "status"} <= set(row)
        item = Item.model_validate(row)
        right = list(row["answers"][0]) if row["type"] == "word_order" else row["answers"][0]
        assert check_answer(item, right).correct
    assert {r["track"] for r in rows} == {"b1", "trade"}


def test_stats_json(small_bank, capsys):
    assert main(["content", "stats", "--json", "--bank", str(small_bank)]) == 0
    stats = json.loads(capsys.readouterr().out)
    nb = stats["languages"]["nb"]
    assert nb["b1"] == 4 and nb["trade_entries"] == {"construction": 5}
    assert nb["items"] == stats["total"] == sum(row["count"] for row in stats["counts"])
    assert 0.9 < nb["tokens"]["wordfreq_share"] <= 1.0
    assert {"language", "track", "trade", "theme", "cefr", "skill", "type", "count"} == set(stats["counts"][0])


def test_import_csv_writes_yaml_and_never_clobbers(small_bank, tmp_path, capsys):
    source = tmp_path / "renhold.csv"
    source.write_text(CSV, encoding="utf-8")
    args = ["content", "import", str(source), "--bank", str(small_bank), "--language", "nb",
            "--trade", "cleaning", "--title", "Renhold"]
    assert main(args) == 0
    written = small_bank / "nb" / "trade" / "cleaning.yaml"
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert data["trade"] == "cleaning" and data["entries"][0]["examples"] == [
        "Vaskemiddelet står i skapet.", "Vi trenger mer vaskemiddel."]
    # Same set again: the generated ids would clash with the file written first.
    assert main(args) == EXIT_BAD_INPUT
    assert "item ids already in" in capsys.readouterr().err
    assert written.exists() and not (small_bank / "nb" / "trade" / "cleaning-renhold.yaml").exists()
    assert main([*args, "--replace"]) == 0


def test_import_lists_every_problem_by_line(small_bank, tmp_path, capsys):
    bad = CSV.replace("bøtte,NOUN,bucket,Fyll bøtta med varmt vann.,A1",
                      "bøtte,NOUN,bucket,Fyll bøtta med varmt vann.,Z9").replace(
        "mopp,NOUN,mop,Moppen henger på veggen.", "mopp,NOUN,mop,Kosten henger på veggen.")
    source = tmp_path / "bad.csv"
    source.write_text(bad, encoding="utf-8")
    code = main(["content", "import", str(source), "--bank", str(small_bank), "--language", "nb",
                 "--trade", "cleaning", "--title", "Renhold"])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and "nothing written" in err
    assert f"{source}:4: entries[1].cefr: " in err
    assert not (small_bank / "nb" / "trade" / "cleaning.yaml").exists()
    missing = main(["content", "import", str(source), "--bank", str(small_bank)])
    assert missing == EXIT_BAD_INPUT and "--language" in capsys.readouterr().err


def test_import_yaml(small_bank, tmp_path_factory):
    source = write(tmp_path_factory.mktemp("incoming"), "set.yaml", GOOD_SET.replace("trade: construction", "trade: logistics"))
    assert main(["content", "import", str(source), "--bank", str(small_bank)]) == 0
    assert (small_bank / "nb" / "trade" / "logistics.yaml").exists()


def test_export_bank_csv_gives_the_parameters_of_one_language_and_track(small_bank, capsys):
    import csv
    import io

    from api.cli import main

    capsys.readouterr()
    assert main(["content", "export", "--bank", str(small_bank), "--format", "bank-csv",
                 "--language", "nb", "--track", "b1"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["item_id"].split("-")[1] for r in rows} == {"work"}
    assert set(rows[0]) == {"item_id", "a", "b", "c", "skill", "type"}
    assert all(float(r["a"]) > 0 and 0 <= float(r["c"]) < 1 for r in rows)
