"""A small bank for the pages' tests: every item type in Norwegian (a placement test ends
within its 24 items), typed gaps in Turkish whose answers need the on-screen letters (each gap shows its answer's
shape, as generated trade gaps do)."""
from __future__ import annotations

import numpy as np

SKILLS = ("vocabulary", "grammar", "reading", "functional")
TYPES = ("multiple_choice", "cloze_choice", "cloze_typed", "word_order", "reading")
LEVEL_OF_B = ((-1.0, "A1"), (0.0, "A2"), (1.0, "B1"))
PASSAGE = ("Oppslag på kjøkkenet\n\nFra mandag starter frokosten klokka sju. Alle som jobber på "
           "kjøkkenet, må vaske hendene før de tar på maten. Husk hårnett og rene klær. Spør "
           "kjøkkensjefen hvis du er usikker.")
#: (typed answer, prompt) of the Turkish gaps: each needs letters a Norwegian keyboard lacks.
TURKISH = (("çalışıyorum", "Ben her gün fabrikada ___."), ("öğretmen", "Annem bir ___, okulda çalışıyor."),
           ("şoför", "Otobüs ___ bizi durağa bıraktı."), ("ılık", "Su ne sıcak ne soğuk, ___."),
           ("güzel", "Bugün hava çok ___."), ("İngilizce", "___ ve Türkçe konuşuyorum."),
           ("çocuk", "Parkta bir ___ oynuyor."), ("üniversite", "Kardeşim ___ öğrencisi."))
#: Letters each Turkish gap shows: two, so that a page that says only the first would be caught.
SHOWN = 2


def _cefr(b: float) -> str:
    return next((level for cut, level in LEVEL_OF_B if b < cut), "B2")


def _nb_item(index: int, b: float) -> dict:
    kind = TYPES[index % len(TYPES)]
    data = {"id": f"nb-app-{index:03d}", "language": "nb", "track": "b1", "trade": None, "theme": "work",
            "skill": "reading" if kind == "reading" else SKILLS[index % len(SKILLS)], "type": kind,
            "cefr": _cefr(b), "instructions": "Velg riktig svar.", "passage": None, "lemma": None,
            "feedback": f"Forklaring {index}: slik sier vi det på norsk.", "a": 1.0 + 0.1 * (index % 5),
            "b": round(float(b), 3), "c": 0.0, "status": "calibrated", "source": "tests"}
    if kind in ("multiple_choice", "cloze_choice"):
        data.update(prompt=f"Jeg må ___ på jobb klokka {index % 12 + 1}.", answers=[f"s{index}"],
                    options=[{"id": f"s{index}", "text": "være"}, {"id": f"w{index}", "text": "vær"},
                             {"id": f"v{index}", "text": "værende"}])
    elif kind == "cloze_typed":
        # A word no other item shows: the service never serves a gap whose answer the test has
        # already shown (content.exposure).
        data.update(instructions="Skriv ordet som mangler.", prompt="Jakka mi henger i ___ ved døra.",
                    answers=["garderoben"], lemma="garderobe", max_score=2)
    elif kind == "word_order":
        data.update(instructions="Sett ordene i riktig rekkefølge.", prompt=None,
                    answers=[[f"t{index}a", f"t{index}b", f"t{index}c", f"t{index}d"]],
                    options=[{"id": f"t{index}a", "text": "jeg"}, {"id": f"t{index}b", "text": "jobber"},
                             {"id": f"t{index}c", "text": "på"}, {"id": f"t{index}d", "text": "kjøkkenet"}])
    else:
        data.update(instructions="Les teksten og svar.", passage=PASSAGE,
                    prompt="Hva må alle gjøre før de tar på maten?", answers=[f"r{index}"],
                    options=[{"id": f"r{index}", "text": "Vaske hendene"}, {"id": f"x{index}", "text": "Spise frokost"},
                             {"id": f"y{index}", "text": "Ringe sjefen"}])
    return data


def _tr_item(index: int, b: float) -> dict:
    answer, prompt = TURKISH[index]
    return {"id": f"tr-app-{index:03d}", "language": "tr", "track": "b1", "trade": None, "theme": "work",
            "skill": "vocabulary", "type": "cloze_typed", "cefr": _cefr(b), "instructions": "Eksik kelimeyi yazın.",
            "prompt": prompt, "passage": None, "options": [], "answers": [answer], "lemma": answer,
            "feedback": f"Doğru kelime: {answer}.", "max_score": 2, "a": 1.2, "b": round(float(b), 3), "c": 0.0,
            "status": "calibrated", "source": "tests", "shape_letters": SHOWN}


def app_bank():
    from content.schema import Item

    data = [_nb_item(i, b) for i, b in enumerate(np.linspace(-2.5, 2.5, 25))]
    data += [_tr_item(i, b) for i, b in enumerate(np.linspace(-1.5, 1.5, len(TURKISH)))]
    return [Item.model_validate(d) for d in data]
