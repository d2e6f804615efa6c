"""What a learner's client is sent of an item, and how its answer is read back.

Nothing a learner receives may carry information about the key. Bank ids do:
authored option ids and word-order token ids follow the author's order, and
generated item ids hold the lemma (``nb-kitchen-kniv-cloze-1``). So within a
learning session every id the client sees is drawn anew:

- the item's id, its options' ids and their display order are HMAC-SHA256
  values of the bank ids under a key of 128 random bits drawn when the session
  starts; the key lives in the session's state (server side) and is never sent;
- they are stable within the session, so a retried request shows the same
  screen and a retried answer scores the same, and they differ between
  sessions, so nothing learnt in one session (or read from an export) carries
  over to the next;
- the display order is a uniform permutation seeded from the same HMAC: it
  cannot be predicted from the ids the learner knows.

The learner answers with the served ids; :func:`bank_answer` maps them back
before scoring and storing, so answers are stored and calibrated in bank ids.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from typing import Any

import numpy as np

from api.errors import InvalidInput
from content import support as languages
from content.schema import Item

#: Bytes of the per-session key (128 bits).
KEY_BYTES = 16
#: Bytes of a served item id (80 bits: 17 letters) and of an option or token id (40 bits: 9 letters).
ITEM_ID_BYTES = 10
OPTION_ID_BYTES = 5
#: Item types answered by picking one served option id, and by ordering served token ids.
CHOICE_TYPES = frozenset({"multiple_choice", "cloze_choice", "reading"})
ORDER_TYPE = "word_order"
#: The longest typed answer read (characters). A typed gap takes a word or a short phrase: the
#: longest key in the bundled bank has 23 characters and a vocabulary entry's lemma (the key of
#: the typed items generated from it) at most 60, so 200 leaves room for any honest attempt
#: while a pasted paragraph is refused rather than scored and stored.
TYPED_ANSWER_MAX_CHARS = 200


def new_key() -> str:
    """A fresh session key (hex), drawn from the operating system's CSPRNG."""
    return secrets.token_hex(KEY_BYTES)


def _mac(key: str, *parts: str) -> bytes:
    # The unit separator cannot occur in bank ids, so distinct part lists never collide.
    return hmac.new(bytes.fromhex(key), "\x1f".join(parts).encode("utf-8"), hashlib.sha256).digest()


#: The letters of served ids: digits and consonants, no vowels, so no id spells a word (or an
#: answer: every answer in the bank has a vowel), and no 0/1 to be mistaken for O/l.
ID_ALPHABET = "23456789bcdfghjkmnpqrstvwxz"


def _letters(raw: bytes) -> str:
    """``raw`` in :data:`ID_ALPHABET`, most significant first, at a fixed length."""
    value, base = int.from_bytes(raw, "big"), len(ID_ALPHABET)
    length = math.ceil(len(raw) * 8 / math.log2(base))
    out = []
    for _ in range(length):
        value, digit = divmod(value, base)
        out.append(ID_ALPHABET[digit])
    return "".join(reversed(out))


def served_item_id(key: str, item_id: str) -> str:
    """The id a session shows for bank item ``item_id``."""
    return _letters(_mac(key, "item", item_id)[:ITEM_ID_BYTES])


def option_ids(key: str, item_id: str, bank_ids: Sequence[str]) -> dict[str, str]:
    """``{bank option id: served option id}`` for one item in one session.

    40 bits per id: two options of one item share an id with probability
    below 1e-10; should it happen, the full digest separates them.
    """
    served = {o: _letters(_mac(key, "option", item_id, o)[:OPTION_ID_BYTES]) for o in bank_ids}
    if len(set(served.values())) < len(served):
        served = {o: _letters(_mac(key, "option", item_id, o)) for o in bank_ids}
    return served


def display_order(key: str, item_id: str, count: int) -> list[int]:
    """Indices of the options in the order shown: uniform, and fixed for the session."""
    seed = int.from_bytes(_mac(key, "order", item_id)[:16], "big")
    return [int(i) for i in np.random.default_rng(seed).permutation(count)]


def view(item: Item, key: str, support: str | None = None, with_level: bool = True) -> dict[str, Any]:
    """The item as the learner sees it: served ids, options in the drawn order, no key; in the
    learner's support language (``content.support``): a gloss item's question, the typed hint,
    the instructions beside the target language's, each with its text direction.

    ``with_level=False``: without the item's CEFR level (``cefr`` null). An adaptive test's
    next item follows the estimate, so its level rising or falling would tell whether the
    last answer was right; no page shows it.
    """
    shown = languages.localised(item, support).public_view()
    if not with_level:
        shown["cefr"] = None
    hint, translated = languages.hint(item, support), languages.instructions(item, support)
    shown["hint"] = hint.to_dict() if hint else None
    shown["instructions_support"] = translated.to_dict() if translated else None
    shown["id"] = served_item_id(key, item.id)
    options = item.options
    if options:
        ids = option_ids(key, item.id, [o.id for o in options])
        shown["options"] = [{"id": ids[options[i].id], "text": options[i].text}
                            for i in display_order(key, item.id, len(options))]
    return shown


def right_answer(item: Item, expected: str | None = None) -> str:
    """The accepted answer as the learner reads it, shown after a mistake in a drill: the right
    option's text, the sentence in the accepted order, or the accepted spelling (``expected``,
    the one a typed answer was measured against, else the first accepted)."""
    texts = {option.id: option.text for option in item.options}
    first = item.answers[0]
    if item.type in CHOICE_TYPES:
        return texts[str(first)]
    if item.type == ORDER_TYPE:
        return " ".join(texts[token] for token in first)
    return expected or str(first)


def bank_item_id(key: str, candidates: Sequence[str], served_id: str) -> str | None:
    """The bank id among ``candidates`` (the items served in the session) shown as ``served_id``.

    Searched from the last served: an answer is nearly always to the item waiting, and each
    candidate costs an HMAC (this runs on every answer)."""
    for item_id in reversed(candidates):
        if hmac.compare_digest(served_item_id(key, item_id).encode(), served_id.encode("utf-8", "replace")):
            return item_id
    return None


def bank_answer(item: Item, key: str, answer: Any) -> Any:
    """The answer in bank ids (option id, list of token ids) or the typed text as it is.

    An answer that cannot be one (an id the item was not served with, a word order that is
    not each served token once, an empty or overlong typed text) is the client's mistake:
    422, never a score (a score of 0 would count as a wrong answer in the estimate).
    """
    if item.type not in CHOICE_TYPES and item.type != ORDER_TYPE:
        _check_typed(answer)
        return answer
    back = {served: bank for bank, served in option_ids(key, item.id, [o.id for o in item.options]).items()}
    given = [answer] if item.type in CHOICE_TYPES else list(answer)
    unknown = [value for value in given if value not in back]
    if unknown:
        what = "an option" if item.type in CHOICE_TYPES else "a token"
        raise InvalidInput(f"answer: '{unknown[0]}' is not {what} id of this exercise "
                           f"(use the ids it was served with)", field="answer")
    if item.type == ORDER_TYPE:
        _check_order(given, list(back))
    mapped = [back[value] for value in given]
    return mapped[0] if item.type in CHOICE_TYPES else mapped


def _check_typed(answer: str) -> None:
    if not answer.strip():
        raise InvalidInput("answer: the typed answer is empty: type a word or phrase", field="answer")
    if len(answer) > TYPED_ANSWER_MAX_CHARS:
        raise InvalidInput(f"answer: the typed answer has {len(answer)} characters, more than the "
                           f"{TYPED_ANSWER_MAX_CHARS} a gap takes: type only the missing word or phrase",
                           field="answer")


def _check_order(given: list[str], served: list[str]) -> None:
    """A word order uses every served token exactly once (all ids known already)."""
    missing = len(set(served) - set(given))
    repeated = sorted({token for token in given if given.count(token) > 1})
    if not missing and not repeated:
        return
    problems = ([f"{missing} missing"] if missing else []) + [f"'{token}' given {given.count(token)} times"
                                                               for token in repeated]
    raise InvalidInput(f"answer: list each of the {len(served)} token ids of this exercise exactly once "
                       f"({'; '.join(problems)})", field="answer")


def served_answer(item: Item, key: str, answer: Any) -> Any:
    """An answer in bank ids as the learner's client would send it (the inverse of
    :func:`bank_answer`): for the demo's simulated learners, which play through the service."""
    if item.type not in CHOICE_TYPES and item.type != ORDER_TYPE:
        return answer
    ids = option_ids(key, item.id, [o.id for o in item.options])
    return ids[answer] if item.type in CHOICE_TYPES else [ids[token] for token in answer]
