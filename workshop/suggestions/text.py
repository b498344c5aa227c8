"""Sticky-note text to weighted word features, without knowing the note's language.

A note may be Danish, Swedish, Dutch or English whatever the event's language is, so every step
tries the event's language first and the others after it. Features are prefixed by kind:

- ``w:`` a content word's lemma, folded (see :func:`fold`);
  a compound also gives its parts, split by known lemmas ("borgerinddragelse" -> borger,
  inddragelse), as words of lower weight, so that it meets notes that use the parts apart;
- ``p:`` the first letters of a lemma, which matches inflections the lemmatiser does not know,
  typos that keep the start ("actualy") and near-cognates across the Scandinavian languages,
  Dutch and English ("forandring"/"förändring", "digitalt"/"digitaal").

The only data loaded is the libraries' own (simplemma's dictionaries, stopwordsiso's lists).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import simplemma
import stopwordsiso

LANGUAGES: tuple[str, ...] = ("da", "en", "sv", "nl")
# Languages that glue nouns together; English compounds are written apart.
COMPOUNDING: frozenset[str] = frozenset({"da", "sv", "nl"})
# simplemma's compact dictionaries: about 30 MB for the four languages instead of about 265 MB,
# for the same lemmas; the lookups cost a little more, and the caches below absorb that.
LOW_MEMORY = True

WORD_WEIGHT = 1.0
PART_WEIGHT = 0.7
PREFIX_WEIGHT = 0.5
PREFIX_LEN = 5
MIN_PART = 4
MIN_COMPOUND = 9

# Words: letters, digits, and inner hyphens/apostrophes ("IT-sikkerhed", "iPad'en").
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# Letters a facilitator's Danish/Swedish keyboard types differently for the same sound.
_FOLD = str.maketrans({"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ß": "ss"})


def normalise(text: str) -> str:
    """Unicode-normalise and lowercase; typed and pasted notes mix composed forms."""
    return unicodedata.normalize("NFKC", text).casefold()


def fold(word: str) -> str:
    """Fold Nordic and accented letters so that cognates across languages meet."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The words of a note, lowercased. Emoji, punctuation and the '#' of hashtags fall away:
    pictographs are not word characters, and they carry the writer's mood, not the topic."""
    return _WORD.findall(normalise(text))


def language_order(hint: str | None) -> tuple[str, ...]:
    """The event's language first: the hint breaks ties for words known in several languages."""
    if hint in LANGUAGES:
        return (hint,) + tuple(lang for lang in LANGUAGES if lang != hint)
    return LANGUAGES


def detect_language(text: str, hint: str | None = None) -> str | None:
    """The note's likeliest language among the four, by the share of its words each one knows.

    simplemma's dictionaries decide (about 99% right on the dev notes); a tie goes to the hint,
    and a note with no known word (emoji, names, numbers) has no language.
    """
    scores = {
        lang: simplemma.in_target_language(text, lang=lang, low_memory=LOW_MEMORY)
        for lang in language_order(hint)
    }
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else None


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Stop words of all four languages, raw and folded (a note's language is unknown)."""
    raw = {normalise(w) for w in stopwordsiso.stopwords(list(LANGUAGES))}
    return frozenset(raw | {fold(w) for w in raw})


@lru_cache(maxsize=65536)
def lemma(word: str, order: tuple[str, ...]) -> str:
    """The word's lemma in the first language (in `order`) that knows the word or its lemma."""
    for lang in order:
        if _is_known(word, lang):
            return simplemma.lemmatize(word, lang=lang, low_memory=LOW_MEMORY).lower()
    for lang in order:
        candidate = simplemma.lemmatize(word, lang=lang, low_memory=LOW_MEMORY).lower()
        if candidate != word and _is_known(candidate, lang):
            return candidate
    return word


@lru_cache(maxsize=262144)
def _is_known(word: str, lang: str) -> bool:
    return simplemma.is_known(word, lang=lang, low_memory=LOW_MEMORY)


def _known(part: str, order: tuple[str, ...]) -> bool:
    return len(part) >= MIN_PART and any(_is_known(part, lang) for lang in order if lang in COMPOUNDING)


def _heads(head: str) -> list[str]:
    """A compound's first part, with and without a linking -s-/-e- ("innovation-s-pulje")."""
    if len(head) > MIN_PART and head[-1] in "se":
        return [head[:-1], head]
    return [head]


@lru_cache(maxsize=65536)
def split_compound(word: str, order: tuple[str, ...]) -> tuple[str, ...]:
    """Split a long word into known lemmas; () when no split is found.

    Of the possible cuts the most balanced one wins: a short known head ("inn|ovation") is
    more often an accident than a real first part. The tail carries a compound's meaning and
    inflection, so it is lemmatised; a tail that is itself a compound is split in turn
    ("data|skydds|förordning").
    """
    if "-" in word:
        return tuple(p for p in word.split("-") if len(p) >= MIN_PART)
    if len(word) < MIN_COMPOUND:
        return ()
    best: tuple[str, ...] = ()
    best_balance = 0
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        tail = lemma(word[cut:], order)
        tails = (tail,) if _known(tail, order) else split_compound(tail, order)
        if not tails:
            continue
        for head in _heads(word[:cut]):
            balance = min(len(head), len(tail))
            if balance > best_balance and _known(head, order):
                best, best_balance = (head,) + tails, balance
    return best


@dataclass(frozen=True)
class Analysis:
    """A note's features with their weights, and a readable form for each feature."""

    features: dict[str, float]
    surface: dict[str, str]
    language: str | None


def _add(features: dict[str, float], surface: dict[str, str], key: str, weight: float, shown: str) -> None:
    # A repeated word counts once more at half weight: sublinear, one word should not dominate.
    features[key] = features[key] + weight * 0.5 if key in features else weight
    surface.setdefault(key, shown)


def analyse(text: str, hint: str | None = None) -> Analysis:
    """Features of a note or a theme's name. Pure apart from the libraries' cached dictionaries."""
    language = detect_language(text, hint)
    order = language_order(language or hint)
    stops = stop_words()
    features: dict[str, float] = {}
    surface: dict[str, str] = {}
    for word in words(text):
        if word in stops or len(word) < 2 or word.isdigit():
            continue
        base = lemma(word, order)
        if base in stops:
            continue
        key = fold(base)
        _add(features, surface, "w:" + key, WORD_WEIGHT, base)
        for part in split_compound(base, order):
            if part not in stops:
                _add(features, surface, "w:" + fold(part), PART_WEIGHT, part)
        if len(key) >= PREFIX_LEN:
            _add(features, surface, "p:" + key[:PREFIX_LEN], PREFIX_WEIGHT, base)
    return Analysis(features, surface, language)
