"""The real bank: it loads, passes ``content check``, and every item is answerable."""
from __future__ import annotations

import time

from content.bank import default_bank
from content.lint import check
from content.scoring import check_answer
from content.nlp import BANK_ROOT


def test_real_bank_passes_content_check():
    findings = [str(f) for f in check(BANK_ROOT)]
    assert findings == []


def test_real_bank_loads_once_and_every_right_answer_scores_full_marks():
    started = time.perf_counter()
    bank = default_bank()
    assert default_bank() is bank
    assert time.perf_counter() - started < 60
    assert len({item.id for item in bank.items}) == len(bank.items)
    for item in bank.items:
        right = list(item.answers[0]) if item.type == "word_order" else item.answers[0]
        assert check_answer(item, right).correct, item.id
        view = item.public_view()
        assert "answers" not in view and "lemma" not in view
    assert {item.language for item in bank.items} == {"nb", "en", "tr", "it"}
