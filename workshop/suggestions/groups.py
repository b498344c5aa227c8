"""Emerging groups before any theme exists: average-linkage clustering, named by shared words."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt


def average_linkage(similarity: npt.NDArray[np.float64], threshold: float, max_size: int) -> list[list[int]]:
    """Merge the two closest clusters while their mean pairwise similarity is above `threshold`.

    Average linkage (not single linkage): one note that is a bit like everything cannot chain
    unrelated notes into one blob. `max_size` stops a group outgrowing what a facilitator would
    call one theme. Lance-Williams updates keep each merge O(n) after the O(n^2) argmax.
    """
    sims = similarity.astype(np.float64, copy=True)
    np.fill_diagonal(sims, -np.inf)
    members: dict[int, list[int]] = {i: [i] for i in range(len(sims))}
    while len(members) > 1:
        flat = int(np.argmax(sims))
        i, j = divmod(flat, len(sims))
        if sims[i, j] < threshold:
            break
        if len(members[i]) + len(members[j]) > max_size:
            sims[i, j] = sims[j, i] = -np.inf
            continue
        size_i, size_j = len(members[i]), len(members[j])
        merged = (size_i * sims[i] + size_j * sims[j]) / (size_i + size_j)
        # a pair that was refused for size stays refused
        merged[np.isneginf(sims[i]) | np.isneginf(sims[j])] = -np.inf
        sims[i], sims[:, i] = merged, merged
        sims[i, i] = -np.inf
        sims[j, :] = sims[:, j] = -np.inf
        members[i].extend(members.pop(j))
    return [group for group in members.values() if len(group) >= 2]


def cohesion(similarity: npt.NDArray[np.float64], group: list[int]) -> float:
    """Mean similarity between the group's notes (its diagonal left out)."""
    block = similarity[np.ix_(group, group)]
    size = len(group)
    return float((block.sum() - np.trace(block)) / (size * (size - 1)))


def name_group(
    features: list[Mapping[str, float]],
    surfaces: list[Mapping[str, str]],
    frequency: Callable[[str], int],
) -> tuple[str, tuple[str, ...]]:
    """A name from the words that set the group apart: used by many of its notes, few others.

    A word scores count * (count / frequency in the event): a word all of the group's notes use
    and no other note does wins over a common verb that several notes of the group happen to
    use. Only words and compound parts are candidates (a five-letter prefix is no name).
    Notes in different languages may share no word; then the group's rarest words stand in.
    """
    count: dict[str, int] = {}
    shown: dict[str, str] = {}
    for feats, surface in zip(features, surfaces):
        for key in feats:
            if key.startswith("w:"):
                count[key] = count.get(key, 0) + 1
                shown.setdefault(key, surface[key])

    def lift(key: str) -> float:
        return count[key] * count[key] / max(frequency(key), count[key])

    ranked = sorted(count, key=lambda key: (-(count[key] >= 2), -lift(key), key))
    words: list[str] = []
    for key in ranked:
        if shown[key] not in words:
            words.append(shown[key])
    return " · ".join(words[:2]), tuple(words)
