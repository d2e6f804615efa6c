"""Prior difficulty: the CEFR band's centre, moved a little by lexical features."""
from __future__ import annotations

import pytest

from content.prior import MAX_SHIFT_BANDS, band_centres, prior_parameters, with_prior
from content.schema import Item
from engine.cefr import DEFAULT_CUTS

BASE = {"track": "b1", "theme": "work", "skill": "vocabulary", "prompt": "Jeg har en ___ her."}


def typed(answer: str, cefr: str = "B1", language: str = "nb", lemma: str | None = None) -> Item:
    return Item.model_validate({**BASE, "id": f"{language}-p-1", "language": language, "cefr": cefr,
                                "type": "cloze_typed", "answers": [answer], "lemma": lemma})


def test_band_centres_follow_the_engine_cuts():
    assert band_centres((-1.0, 0.0, 1.0)) == {"A1": -1.5, "A2": -0.5, "B1": 0.5, "B2": 1.5}
    assert band_centres() == band_centres(DEFAULT_CUTS)


@pytest.mark.parametrize("cefr", ["A1", "A2", "B1", "B2"])
def test_prior_stays_in_the_band(cefr):
    centre = band_centres()[cefr]
    for word in ("og", "konsumprisindeksreguleringen", "xyzzy"):
        b = prior_parameters(typed(word, cefr))["b"]
        assert abs(b - centre) <= MAX_SHIFT_BANDS + 1e-9


def test_rarer_and_longer_words_are_harder():
    common, rare = typed("huset"), typed("stillaset", lemma="stillas")
    assert prior_parameters(common)["b"] < prior_parameters(rare)["b"]


def test_turkish_words_missing_from_wordfreq_count_as_rare():
    known = typed("ev", language="tr")
    absent = typed("temizliyoruz", language="tr")
    assert prior_parameters(known)["b"] < prior_parameters(absent)["b"]


def test_guessing_and_provenance():
    choice = Item.model_validate({**BASE, "id": "nb-p-2", "language": "nb", "cefr": "A1",
                                  "type": "cloze_choice", "answers": ["a"],
                                  "options": [{"id": "a", "text": "bil"}, {"id": "b", "text": "hus"},
                                              {"id": "c", "text": "båt"}, {"id": "d", "text": "tog"}]})
    item = with_prior(choice)
    assert (item.a, item.c, item.status, item.source) == (1.0, 0.25, "prior", "prior: cefr+lexical")
    assert with_prior(typed("huset")).c == 0.0
    calibrated = choice.model_copy(update={"b": 2.0, "status": "calibrated", "source": "run 1"})
    assert with_prior(calibrated) == calibrated


def test_a_prior_is_recomputed_from_the_item_as_it_is_now():
    """An item that lost a distractor (or changed type) keeps no stale prior: c = 1/k again."""
    three = Item.model_validate({**BASE, "id": "nb-p-3", "language": "nb", "cefr": "A1", "type": "cloze_choice",
                                 "answers": ["a"], "options": [{"id": "a", "text": "bil"},
                                                               {"id": "b", "text": "hus"},
                                                               {"id": "c", "text": "båt"}],
                                 "a": 1.0, "b": 0.9, "c": 0.25, "status": "prior",
                                 "source": "prior: cefr+lexical"})
    item = with_prior(three)
    assert (item.c, item.status) == (0.3333, "prior") and item.b == prior_parameters(three)["b"] != 0.9
    typed_now = with_prior(three.model_copy(update={"type": "cloze_typed", "options": (), "answers": ("bil",),
                                                     "max_score": 2}))
    assert typed_now.c == 0.0
