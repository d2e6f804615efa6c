"""Logins and display names: what a person may type as a login, how logins are matched, how a
teacher's learner gets a login no one else has.

A login is Unicode: a learner called Søren or Şükrü types their own name. It is
kept as given (NFC) and matched by its :func:`login_key`, so case, width and
the form of digits never make two accounts of one name, and whichever way a
phone's keyboard capitalises it, it logs in:

- NFKC, Unicode's full case folding, NFKC again (the "NFKC_Casefold" of UAX #31,
  as PRECIS's ``UsernameCaseMapped`` profile of RFC 8265 maps case and width);
- the four Turkish i's (I, ı, İ, i) fold to one ``i``: Unicode's default folding
  keeps ı apart and turns İ into i + a combining dot, so a Turkish keyboard
  capitalising "ibrahim" to "İbrahim" would otherwise miss the account. One key
  for all four is the rule that holds whatever language the keyboard is set to;
- every decimal digit folds to its ASCII digit (an Arabic keyboard types ٤٨ for 48).

Letters of one script only: a login mixing Latin and Cyrillic (a Cyrillic "а"
in "maria") looks like another person's login, so it is refused, saying which
letters are from which script. Han with Hiragana and Katakana (Japanese), and
Han with Hangul (Korean), count as one script, as names in those languages mix them.

The display name is what people read, in any script: letters, spaces,
punctuation; no control or invisible formatting characters except the joiners
that Persian and Indic scripts need (a right-to-left override would make a name
in a teacher's list read as another).
"""
from __future__ import annotations

import unicodedata

from api.errors import InvalidInput

MIN_LOGIN_LENGTH = 3
MAX_LOGIN_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 120
#: Signs a login may hold besides letters, marks and digits.
LOGIN_SIGNS = "._-@"
#: Invisible formatting characters a display name may hold: zero-width non-joiner and
#: joiner (Persian, Urdu and the Indic scripts write words with them).
DISPLAY_FORMAT_CHARACTERS = frozenset("\u200c\u200d")
#: Scripts that one person's name may mix (see the module's text).
SCRIPT_FAMILIES = ({"CJK", "HIRAGANA", "KATAKANA"}, {"CJK", "HANGUL"})


def login_key(login: str) -> str:
    """The form a login is matched in (unique per account): see the module's text."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", login).casefold())
    folded = folded.replace("i\u0307", "i").replace("\u0131", "i")
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch
                   for ch in folded)


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER S WITH ..." ->
    LATIN); None for characters that belong to no script of their own (digits, signs,
    combining marks, modifier letters)."""
    if not unicodedata.category(ch).startswith("L") or unicodedata.category(ch) == "Lm":
        return None
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


def _one_script(login: str) -> None:
    first: dict[str, str] = {}
    for ch in unicodedata.normalize("NFKC", login):
        script = _script(ch)
        if script is not None:
            first.setdefault(script, ch)
    scripts = set(first)
    if len(scripts) <= 1 or any(scripts <= family for family in SCRIPT_FAMILIES):
        return
    examples = ", ".join(f"'{ch}' is {script.title()}" for script, ch in sorted(first.items()))
    raise InvalidInput(f"username: use the letters of one alphabet ({examples}): letters that "
                       "look alike in two alphabets would make it look like someone else's",
                       field="username")


def check_login(username: str, *, field: str = "username", min_length: int = MIN_LOGIN_LENGTH,
                max_length: int = MAX_LOGIN_LENGTH) -> str:
    """``username`` as it is kept (NFC, spaces around it removed); :class:`InvalidInput` with a
    plain reason when it cannot be a login."""
    login = unicodedata.normalize("NFC", username.strip())
    if len(login) < min_length:
        raise InvalidInput(f"{field}: use at least {min_length} characters", field=field)
    if len(login) > max_length:
        raise InvalidInput(f"{field}: use at most {max_length} characters", field=field)
    for ch in login:
        category = unicodedata.category(ch)
        if ch.isspace():
            raise InvalidInput(f"{field}: no spaces; join names with '.' or '-' (e.g. anna.berg)",
                               field=field)
        if not (category[0] in "LM" or category == "Nd" or ch in LOGIN_SIGNS):
            raise InvalidInput(f"{field}: use letters (in any alphabet), digits and . _ - @ only; "
                               f"'{ch}' is not one of them", field=field)
    if unicodedata.category(login[0])[0] == "M":
        raise InvalidInput(f"{field}: start with a letter or a digit", field=field)
    if not any(unicodedata.category(ch)[0] == "L" for ch in login):
        raise InvalidInput(f"{field}: use at least one letter", field=field)
    _one_script(login)
    return login


def check_display_name(name: str, *, field: str = "display_name") -> str:
    """A display name as it is kept: NFC, runs of spaces made one, 1 to 120 characters."""
    text = " ".join(unicodedata.normalize("NFC", name).split())
    if not text:
        raise InvalidInput(f"{field}: must not be empty: type a name (spaces alone do not count)", field=field,
                           code="name_empty")
    if len(text) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidInput(f"{field}: use at most {MAX_DISPLAY_NAME_LENGTH} characters", field=field,
                           code="name_too_long", max_length=MAX_DISPLAY_NAME_LENGTH)
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Co", "Cn") or (category == "Cf" and ch not in DISPLAY_FORMAT_CHARACTERS):
            character = f"U+{ord(ch):04X}"
            raise InvalidInput(f"{field}: remove the invisible character {character}", field=field,
                               code="name_invisible", character=character)
    return text


def base_from_display_name(display_name: str) -> str:
    """A login's first part from a display name: its first word's letters and digits
    ("Şükrü Yılmaz" -> "Şükrü"); :class:`InvalidInput` on ``username`` when nothing is left."""
    for word in display_name.split():
        kept = "".join(ch for ch in unicodedata.normalize("NFC", word)
                       if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd"
                       or ch in LOGIN_SIGNS).strip(LOGIN_SIGNS)
        if any(unicodedata.category(ch)[0] == "L" for ch in kept):
            return kept
    raise InvalidInput("username: give one: the display name has no letters to make a login from",
                       field="username", code="name_no_letters")
