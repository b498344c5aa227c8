"""An inverted index of word features with cosine similarity under the event's own rarity.

A word's weight is its inverse document frequency among the event's notes *now*, so a word every
site uses ("borger" at a citizen-services workshop) counts less as the event grows. Only the
query's weights are computed afresh; each note's length (norm) is cached and refreshed once the
event has grown by a quarter since it was computed, which keeps the cost per query proportional to
the postings of the query's features rather than to the whole event.
"""

from __future__ import annotations

import math

Features = dict[str, float]

REFRESH_GROWTH = 1.25


class LexicalIndex:
    def __init__(self) -> None:
        self._postings: dict[str, dict[str, float]] = {}
        self._notes: dict[str, Features] = {}
        self._norms: dict[str, tuple[float, int]] = {}

    def __len__(self) -> int:
        return len(self._notes)

    def features(self, note_id: str) -> Features:
        return self._notes.get(note_id, {})

    def add(self, note_id: str, features: Features) -> None:
        self.remove(note_id)
        self._notes[note_id] = features
        for key, weight in features.items():
            self._postings.setdefault(key, {})[note_id] = weight

    def remove(self, note_id: str) -> None:
        features = self._notes.pop(note_id, None)
        self._norms.pop(note_id, None)
        for key in features or ():
            posting = self._postings[key]
            posting.pop(note_id, None)
            if not posting:
                del self._postings[key]

    def frequency(self, key: str) -> int:
        """How many notes have the feature."""
        return len(self._postings.get(key, ()))

    def idf(self, key: str) -> float:
        """Smoothed rarity; a feature no note has yet (a theme name's word) counts as rare."""
        df = len(self._postings.get(key, ()))
        return math.log(1.0 + (len(self._notes) + 1) / (df + 1))

    def norm_of(self, features: Features) -> float:
        return math.sqrt(sum((w * self.idf(k)) ** 2 for k, w in features.items())) or 1.0

    def _note_norm(self, note_id: str) -> float:
        cached = self._norms.get(note_id)
        size = len(self._notes)
        if cached is None or size > cached[1] * REFRESH_GROWTH:
            cached = (self.norm_of(self._notes[note_id]), size)
            self._norms[note_id] = cached
        return cached[0]

    def similarities(self, features: Features, exclude: str | None = None) -> dict[str, float]:
        """Cosine of `features` with every note sharing at least one feature with it."""
        dots: dict[str, float] = {}
        for key, weight in features.items():
            posting = self._postings.get(key)
            if not posting:
                continue
            factor = weight * self.idf(key) ** 2
            for other, other_weight in posting.items():
                dots[other] = dots.get(other, 0.0) + factor * other_weight
        dots.pop(exclude, None)  # type: ignore[arg-type]
        norm = self.norm_of(features)
        return {other: dot / (norm * self._note_norm(other)) for other, dot in dots.items()}

    def cosine(self, a: Features, b: Features) -> float:
        """Cosine of two feature sets (theme names, group summaries) under the event's rarity."""
        dot = sum(w * b[k] * self.idf(k) ** 2 for k, w in a.items() if k in b)
        return dot / (self.norm_of(a) * self.norm_of(b)) if dot else 0.0
