"""Support languages (content.support): the files, the items as a learner reads them, and the checks."""
from __future__ import annotations

import pytest

from api.cli import main
from content import support
from content.bank import load_bank
from content_helpers import write

AR_GLOSSES = """language: ar
target: nb
status: {status}
glosses:
  construction:
    hjelm: خوذة
    hammer: مطرقة
    stige: سُلّم
{more}"""

AR_SUPPORT = """language: ar
name: العربية
english_name: Arabic
direction: {direction}
status: draft
levels:
  A1: تفهم كلمات الحياة اليومية وجملًا بسيطة جدًا.
"""


def test_glosses_reach_the_items_and_a_learner_reads_them(small_bank):
    write(small_bank, "support/ar.yaml", AR_SUPPORT.format(direction="rtl"))
    write(small_bank, "nb/glosses/ar.yaml", AR_GLOSSES.format(status="draft", more=""))
    write(small_bank, "nb/glosses/nb.yaml", "language: nb\ntarget: nb\nstatus: draft\nglosses:\n"
                                            "  construction:\n    hjelm: noe du har på hodet for å beskytte det\n")
    bank = load_bank(small_bank)
    typed = bank.item("nb-construction-hjelm-cloze-1")
    assert typed.support.glosses == {"en": "helmet", "ar": "خوذة",
                                     "nb": "noe du har på hodet for å beskytte det"}
    languages = support.read_support(small_bank)
    assert support.hint(typed, "ar", languages) == support.SupportText("خوذة", "ar", "rtl")
    assert support.hint(typed, None, languages).language == "nb"      # never English unasked
    assert support.hint(typed, "en", languages).text == "helmet"
    gloss = bank.item("nb-construction-hjelm-gloss")
    assert support.localised(gloss, "ar").prompt == "Hva heter «خوذة» på norsk?"
    # A reader of a language the item has no gloss in gets the definition in the target language.
    assert support.localised(gloss, "uk").prompt == "Hvilket ord betyr «noe du har på hodet for å beskytte det»?"
    # A learner with no support language gets no gloss items.
    assert not support.servable(gloss, None) and support.localised(gloss, None) == gloss
    stige = bank.item("nb-construction-stige-gloss")
    assert support.servable(stige, "ar") and not support.servable(stige, None)
    assert support.level_description("A1", "ar", languages).direction == "rtl"


@pytest.mark.parametrize("code, text, expected", [("ar", "خوذة واقية", "rtl"), ("fa", "کلاه ایمنی", "rtl"),
                                                   ("uk", "захисний шолом", "ltr"), ("ti", "ቆብዕ", "ltr")])
def test_script_direction(code, text, expected):
    assert support.script_direction(text) == expected


def test_a_missing_gloss_fails_the_check_at_its_file_line_and_field(small_bank, capsys):
    write(small_bank, "support/ar.yaml", AR_SUPPORT.format(direction="rtl"))
    path = write(small_bank, "nb/glosses/ar.yaml", AR_GLOSSES.format(status="reviewed", more=""))
    main(["content", "check", str(small_bank)])
    out = capsys.readouterr().out.splitlines()
    missing = [line for line in out if line.startswith(f"{path}:")]
    # sag and bore have no Arabic gloss in a file that is not draft.
    assert f"{path}:4: glosses.construction.sag: no 'ar' gloss for 'sag' (construction); add one or mark " \
           "the file draft" in missing
    assert any("glosses.construction.bore" in line for line in missing)
    # Marked draft, the same file passes.
    write(small_bank, "nb/glosses/ar.yaml", AR_GLOSSES.format(status="draft", more=""))
    main(["content", "check", str(small_bank)])
    assert not [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"{path}:")]


def test_a_gloss_that_is_the_word_and_text_in_the_wrong_direction_fail(small_bank, capsys):
    support_path = write(small_bank, "support/ar.yaml", AR_SUPPORT.format(direction="ltr"))
    path = write(small_bank, "nb/glosses/ar.yaml", AR_GLOSSES.format(
        status="draft", more="    sag: sag\n    ukjent: كلمة\n"))
    main(["content", "check", str(small_bank)])
    out = capsys.readouterr().out.splitlines()
    assert f"{path}:9: glosses.construction.sag: the gloss 'sag' shows the word 'sag' itself" in out
    assert f"{path}:10: glosses.construction.ukjent: no entry 'ukjent' in the 'construction' set of 'nb'" in out
    assert f"{support_path}:4: direction: the texts are written rtl but the file says 'ltr'" in out
