r"""Prior item parameters for items nobody has calibrated yet.

Difficulty starts from the author's CEFR tag and moves a little with the
lexical features that predict word and item difficulty:

.. math::

    b = m_{\text{CEFR}} + \operatorname{clip}\big(
        \underbrace{-0.15\,(z - 4.5)}_{\text{frequency},\ \pm 0.25}
        + \underbrace{0.03\,(\ell - 6)}_{\text{word length},\ \pm 0.10}
        + \underbrace{0.015\,(s - 10)}_{\text{sentence length},\ \pm 0.10},
        \ \pm 0.4\,w\big)

- :math:`m_{\text{CEFR}}` is the middle of the tag's band between the
  engine's cut scores (:data:`engine.cefr.DEFAULT_CUTS`); the open bands A1
  and B2 are centred half a band width :math:`w` outside the outer cuts. With
  the default cuts (-1, 0, 1): A1 -1.5, A2 -0.5, B1 0.5, B2 1.5.
- :math:`z` is the wordfreq Zipf frequency of the target word(s) (for each
  word the higher of its form and its lemma, averaged over the words; Zipf
  4.5 is an everyday word). Frequency is the strongest single predictor of
  word knowledge and recognition (Brysbaert & New 2009, *Behavior Research
  Methods* 41:977; van Heuven et al. 2014, *QJEP* 67:1176 for the Zipf scale)
  and of cloze/C-test gap difficulty for learners (Beinborn, Zesch & Gurevych
  2014, *TACL* 2:517). wordfreq's Turkish list stops at Zipf 3, so a Turkish
  word it lacks counts as Zipf 2.5 (rare, not unknown); in the other languages
  a word wordfreq lacks (mostly a name) is left out of the average.
- :math:`\ell` is the mean length in letters of the target words and
  :math:`s` the mean number of words per sentence of the prompt and passage:
  the two components of classic readability formulas (Flesch 1948,
  *J. Applied Psychology* 32:221; Kincaid et al. 1975), also features in
  Beinborn et al. (2014).

Each term is clipped, and their sum is clipped to 0.4 band widths, so the
prior never leaves the author's band: the CEFR judgement stays the main
information and the features only order items within it. Calibration
(``calibration/``) replaces all of this with estimates from answers.

Discrimination is ``a = 1`` (Rasch-like). The lower asymptote is
``c = 1/k`` for items answered by picking one of ``k`` options
(multiple choice, cloze choice, reading): the chance of a blind guess, the
usual starting value for the 3PL pseudo-guessing parameter (Lord 1980,
*Applications of IRT to Practical Testing Problems*, ch. 2); typed clozes and
word orders cannot be guessed that way, ``c = 0``.
"""
from __future__ import annotations

from statistics import fmean

from content import nlp
from content.schema import CHOICE_TYPES, Item
from engine.cefr import DEFAULT_CUTS, LEVELS

PRIOR_SOURCE = "prior: cefr+lexical"
PRIOR_A = 1.0
#: Frequency term: slope per Zipf unit around an everyday word, and its bound.
FREQ_SLOPE, ZIPF_REFERENCE, FREQ_BOUND = 0.15, 4.5, 0.25
#: Word-length term: slope per letter around six letters, and its bound.
LENGTH_SLOPE, LETTERS_REFERENCE, LENGTH_BOUND = 0.03, 6.0, 0.10
#: Sentence-length term: slope per word around ten words a sentence, and its bound.
SENTENCE_SLOPE, SENTENCE_REFERENCE, SENTENCE_BOUND = 0.015, 10.0, 0.10
#: The whole adjustment stays within this share of a band's width.
MAX_SHIFT_BANDS = 0.4
#: A Turkish word missing from wordfreq's list (which stops at Zipf 3).
TURKISH_ABSENT_ZIPF = 2.5


def band_centres(cuts: tuple[float, ...] = DEFAULT_CUTS) -> dict[str, float]:
    """The middle of each level's band; the open outer bands half a width beyond the cuts."""
    width = band_width(cuts)
    edges = (cuts[0] - width, *cuts, cuts[-1] + width)
    return {level: (edges[i] + edges[i + 1]) / 2 for i, level in enumerate(LEVELS)}


def band_width(cuts: tuple[float, ...] = DEFAULT_CUTS) -> float:
    """The mean width of the inner bands (1 logit with the default cuts)."""
    return (cuts[-1] - cuts[0]) / (len(cuts) - 1) if len(cuts) > 1 else 1.0


def _clip(value: float, bound: float) -> float:
    return max(-bound, min(bound, value))


def target_words(item: Item) -> list[str]:
    """The words the learner must know: the answer's words, the tokens of a word order."""
    if item.type == "cloze_typed":
        texts = list(item.answers[:1])
    elif item.type == "word_order":
        texts = [option.text for option in item.options]
    else:
        by_id = {option.id: option.text for option in item.options}
        texts = [by_id[answer] for answer in item.answers if answer in by_id]
    return [word for text in texts for word in nlp.words(item.language, text)]


def word_zipf(language: str, word: str, lemma: str | None = None) -> float | None:
    """Zipf of a word (the higher of form and lemma); None if wordfreq does not know it."""
    value = max(nlp.zipf(language, word), nlp.zipf(language, lemma) if lemma else 0.0)
    if value > 0:
        return value
    return TURKISH_ABSENT_ZIPF if language == "tr" else None


def lexical_shift(item: Item) -> float:
    """The features' adjustment of b, before the band clip (see the module docstring)."""
    targets = target_words(item)
    lemma = item.lemma if len(targets) == 1 else None
    freqs = [z for z in (word_zipf(item.language, w, lemma) for w in targets) if z is not None]
    shift = 0.0
    if freqs:
        shift += _clip(-FREQ_SLOPE * (fmean(freqs) - ZIPF_REFERENCE), FREQ_BOUND)
    if targets:
        letters = fmean(len(w) for w in targets)
        shift += _clip(LENGTH_SLOPE * (letters - LETTERS_REFERENCE), LENGTH_BOUND)
    text = " ".join(t for t in (item.passage, item.prompt) if t)
    if text:
        counts = [len(nlp.words(item.language, s)) for s in nlp.sentences(item.language, text)]
        counts = [c for c in counts if c]
        if counts:
            shift += _clip(SENTENCE_SLOPE * (fmean(counts) - SENTENCE_REFERENCE), SENTENCE_BOUND)
    return shift


def prior_parameters(item: Item, cuts: tuple[float, ...] = DEFAULT_CUTS) -> dict[str, float]:
    """``{"a", "b", "c"}`` for an uncalibrated item."""
    shift = _clip(lexical_shift(item), MAX_SHIFT_BANDS * band_width(cuts))
    b = band_centres(cuts)[item.cefr] + shift
    c = 1.0 / len(item.options) if item.type in CHOICE_TYPES and item.options else 0.0
    return {"a": PRIOR_A, "b": round(b, 4), "c": round(c, 4)}


def with_prior(item: Item) -> Item:
    """The item with its prior, computed from the item as it is now.

    Calibrated parameters (``irt:`` in the bank, status ``calibrated``) are
    kept. A prior is always recomputed, never carried over: when an item
    changes (a distractor fewer, another type, another level) its prior changes
    with it, ``c = 1/k`` included.
    """
    if item.status == "calibrated":
        return item
    return item.model_copy(update={**prior_parameters(item), "status": "prior",
                                   "source": PRIOR_SOURCE})
