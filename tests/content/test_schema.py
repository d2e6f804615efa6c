"""The item schema and bank-file errors located by file, line and field."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from content_helpers import GOOD_B1, write
from content.bank import load_bank
from content.lint import check
from content.errors import ContentError
from content.schema import Item

BASE = {"id": "nb-test-001", "language": "nb", "track": "b1", "theme": "work", "skill": "vocabulary",
        "cefr": "A1"}


def test_item_round_trips_through_json_and_hides_the_key():
    item = Item.model_validate({**BASE, "type": "cloze_typed", "prompt": "Jeg har ___.",
                                "answers": ["hjelm"], "lemma": "hjelm", "feedback": "Forklaring.",
                                "source": "tests"})
    assert item.max_score == 2
    assert Item.model_validate(item.model_dump(mode="json")) == item
    view = item.public_view()
    assert set(view) == {"id", "type", "language", "skill", "cefr", "instructions", "prompt",
                         "passage", "options", "shape"}
    assert view["shape"] is None
    with pytest.raises(ValidationError):
        item.model_copy().__setattr__("b", 3.0)  # frozen


@pytest.mark.parametrize("answer, letters, shape", [
    ("munnbind", 1, "m_______"), ("tartın", 1, "t_____"), ("forklift truck", 1, "f_______ t____"),
    ("fork-lift", 1, "f___-____"), ("Ali'ye", 1, "A__'__"), ("perché", 1, "p_____"), ("İşçi", 1, "İ___"),
    ("supervise", 3, "sup______"), ("picked up", 2, "pi____ u_"),
])
def test_a_typed_gap_shows_its_answers_first_letters_and_a_blank_per_letter(answer, letters, shape):
    item = Item.model_validate({**BASE, "type": "cloze_typed", "prompt": "Jeg har ___.",
                                "answers": [answer, "maske"], "shape_letters": letters})
    assert item.public_view()["shape"] == shape
    assert "maske" not in str(item.public_view())


def test_only_a_typed_cloze_shows_a_shape():
    with pytest.raises(ValidationError, match="shape_letters"):
        Item.model_validate({**BASE, "type": "cloze_choice", "prompt": "Jeg har ___.", "shape_letters": 1,
                             "options": [{"id": "a", "text": "hjelm"}, {"id": "b", "text": "sko"}],
                             "answers": ["a"]})


@pytest.mark.parametrize("changes, field", [
    ({"type": "multiple_choice", "prompt": "Hva?", "options": [{"id": "a", "text": "x"},
                                                                {"id": "b", "text": "y"}],
      "answers": ["c"]}, "answers"),
    ({"type": "cloze_choice", "prompt": "Ingen hull her.", "options": [{"id": "a", "text": "x"},
                                                                        {"id": "b", "text": "y"}],
      "answers": ["a"]}, "prompt"),
    ({"type": "cloze_typed", "prompt": "To ___ og ___.", "answers": ["x"]}, "prompt"),
    ({"type": "word_order", "options": [{"id": "a", "text": "Jeg"}, {"id": "b", "text": "jobber"}],
      "answers": [["a"]]}, "answers"),
    ({"type": "multiple_choice", "prompt": "Hva?", "options": [{"id": "a", "text": "x"},
                                                                {"id": "b", "text": "X"}],
      "answers": ["a"]}, "options"),
    ({"type": "reading", "prompt": "Hva?", "options": [{"id": "a", "text": "x"},
                                                        {"id": "b", "text": "y"}],
      "answers": ["a"]}, "passage"),
])
def test_inconsistent_items_are_refused_naming_the_field(changes, field):
    with pytest.raises(ValidationError, match=f"{field}: "):
        Item.model_validate({**BASE, **changes})


def test_word_order_may_repeat_a_word():
    item = Item.model_validate({**BASE, "type": "word_order",
                                "options": [{"id": "a", "text": "She"}, {"id": "b", "text": "said"},
                                            {"id": "c", "text": "she"}],
                                "answers": [["a", "b", "c"]]})
    assert item.answers == (("a", "b", "c"),)


@pytest.mark.parametrize("old, new, line, field, message", [
    ("    cefr: A2\n    prompt: \"Jeg begynner", "    cefr: Z9\n    prompt: \"Jeg begynner",
     18, "items[1].cefr", "Input should be"),
    ("    answers: [a]\n  - id: nb-work-002", "    answers: [d]\n  - id: nb-work-002",
     14, "items[0].answers", "'d' is not among the option ids"),
    ("om ___.", "om morgenen.", 19, "items[1].prompt", "exactly one gap"),
    ("    skill: vocabulary\n    type: cloze_choice", "    skil: vocabulary\n    type: cloze_choice",
     5, "items[0].skill", "Field required"),
    ("        answers: [b]", "        answers: [c]", 38, "items[2].questions[1].answers",
     "'c' is not among"),
])
def test_schema_errors_name_file_line_and_field(tmp_path, old, new, line, field, message):
    assert old in GOOD_B1
    path = write(tmp_path, "nb/b1/work.yaml", GOOD_B1.replace(old, new))
    with pytest.raises(ContentError) as raised:
        load_bank(tmp_path)
    text = str(raised.value)
    assert text.startswith(f"{path}:{line}: {field}: ") and message in text
    reported = [str(f) for f in check(path)]
    assert any(r.startswith(f"{path}:{line}: {field}: ") and message in r for r in reported), reported


def test_check_lists_every_problem(tmp_path):
    text = GOOD_B1.replace("    skill: vocabulary\n    type: cloze_choice",
                           "    skil: vocabulary\n    type: cloze_choice").replace("cefr: A2", "cefr: C1")
    path = write(tmp_path, "nb/b1/work.yaml", text)
    reported = [str(f) for f in check(path)]
    assert f"{path}:5: items[0].skill: Field required" in reported
    assert any(r.startswith(f"{path}:6: items[0].skil: Extra inputs") for r in reported)
    assert any(r.startswith(f"{path}:18: items[1].cefr: ") for r in reported)
    assert any(r.startswith(f"{path}:25: items[2].cefr: ") for r in reported)


def test_malformed_yaml_is_located(tmp_path):
    path = write(tmp_path, "nb/b1/work.yaml", "language: nb\nitems: [\n  - {id: x\n")
    with pytest.raises(ContentError, match=rf"^{path}:\d+: yaml: not valid YAML"):
        load_bank(tmp_path)


def test_yes_and_no_stay_text(tmp_path):
    text = GOOD_B1.replace("{id: c, text: naboen}", "{id: c, text: no}")
    write(tmp_path, "nb/b1/work.yaml", text)
    bank = load_bank(tmp_path)
    assert bank.item("nb-work-001").options[2].text == "no"


def test_reading_expands_into_one_item_per_question(small_bank):
    bank = load_bank(small_bank)
    first, second = bank.item("nb-work-003-q1"), bank.item("nb-work-003-q2")
    assert first.passage == second.passage and first.passage.startswith("Hei! Fredag")
    assert (first.answers, second.answers) == (("a",), ("b",))
    assert "nb-work-003" not in bank.by_id


def test_duplicate_ids_across_files_are_refused(small_bank):
    write(small_bank, "nb/b1/health.yaml", GOOD_B1.replace("theme: work", "theme: health"))
    with pytest.raises(ContentError, match="duplicate item ids: nb-work-001"):
        load_bank(small_bank)
    reported = [str(f) for f in check(small_bank / "nb" / "b1" / "health.yaml")]
    assert any(":5: items[0].id: duplicate id 'nb-work-001'" in r for r in reported), reported
