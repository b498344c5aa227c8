"""Benchmark of the theme-suggestion engine (workshop.suggestions) on labelled notes.

    .venv/bin/python bench/themes.py --data ../shared/data/notes-dev.jsonl --seeds 3 [--json]

Protocol (docs/themes.md): for each of --runs random seedings (fixed --seed), add every note to a
fresh ThemeIndex (language hint: the file's most common `lang`), name each theme from its label
with underscores as spaces, place --seeds random notes per theme, and ask suggest() for every other
note. Duplicates: nearest_note() of each note with dup_of. ARI: emerging_groups() on a fresh index
with no themes against the labels, notes in no group counting as singletons.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workshop.suggestions import ThemeIndex, Tuning  # noqa: E402


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    theme: str
    lang: str
    dup_of: str | None


def load(path: Path) -> list[Note]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Note(r["id"], r["text"], r["theme"], r["lang"], r.get("dup_of")) for r in rows]


def theme_name(label: str) -> str:
    """What a facilitator would type: the label with spaces."""
    return label.replace("_", " ")


def make_index(notes: list[Note], language: str, options: argparse.Namespace) -> tuple[ThemeIndex, list[float]]:
    index = ThemeIndex(language, use_embeddings=options.embeddings, tuning=options.tuning)
    add_ms = []
    for note in notes:
        start = time.perf_counter()
        index.add_note(note.id, note.text)
        add_ms.append((time.perf_counter() - start) * 1000)
    return index, add_ms


def seeding(notes: list[Note], k: int, rng: random.Random) -> list[Note]:
    by_theme: dict[str, list[Note]] = {}
    for note in notes:
        by_theme.setdefault(note.theme, []).append(note)
    return [n for theme in sorted(by_theme) for n in rng.sample(by_theme[theme], min(k, len(by_theme[theme]) - 1))]


def run_suggestions(notes: list[Note], language: str, options: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(options.seed)
    hits1 = hits3 = asked = 0
    per_note: list[float] = []
    confidence: dict[bool, list[float]] = {True: [], False: []}  # the top suggestion's, right or wrong
    for _ in range(options.runs):
        index, add_ms = make_index(notes, language, options)
        for theme in sorted({n.theme for n in notes}):
            index.name_theme(theme, theme_name(theme))
        seeds = seeding(notes, options.seeds, rng)
        for note in seeds:
            index.place(note.id, note.theme)
        placed = {n.id for n in seeds}
        for note, added in zip(notes, add_ms):
            if note.id in placed:
                continue
            start = time.perf_counter()
            suggested = index.suggest(note.id, 3)
            per_note.append(added + (time.perf_counter() - start) * 1000)
            ranked = [s.theme_id for s in suggested]
            confidence[ranked[:1] == [note.theme]].append(suggested[0].confidence)
            hits1 += ranked[:1] == [note.theme]
            hits3 += note.theme in ranked
            asked += 1
    per_note.sort()
    return {
        "top1": hits1 / asked,
        "top3": hits3 / asked,
        # an absolute confidence should be higher when the top suggestion is right
        "confidence_top1_right": statistics.fmean(confidence[True] or [0.0]),
        "confidence_top1_wrong": statistics.fmean(confidence[False] or [0.0]),
        "ms_per_note": statistics.fmean(per_note),
        "ms_per_note_p95": per_note[int(0.95 * (len(per_note) - 1))],
    }


def run_duplicates(index: ThemeIndex, notes: list[Note]) -> dict[str, float]:
    """recall@1 per pair: the partner is the nearest note of either note of the pair.

    Also the stricter count (the nearest note of the note carrying dup_of is its partner), and
    the flags: how many notes duplicates_of() flags, and how many flags name a labelled pair.
    """
    pairs = [(n.id, n.dup_of) for n in notes if n.dup_of]
    if not pairs:
        return {}

    def nearest(nid: str) -> str | None:
        found = index.nearest_note(nid)
        return found.other_id if found else None

    strict = sum(nearest(a) == b for a, b in pairs)
    either = sum(nearest(a) == b or nearest(b) == a for a, b in pairs)
    gold = {frozenset(p) for p in pairs}
    flagged = {frozenset((d.note_id, d.other_id)) for n in notes for d in index.duplicates_of(n.id)}
    flagged_notes = {nid for pair in flagged for nid in pair}
    return {
        "dup_pairs": len(pairs),
        "dup_recall_at_1": either / len(pairs),
        "dup_recall_at_1_strict": strict / len(pairs),
        "dup_flagged_pairs": len(flagged),
        "dup_flagged_notes": len(flagged_notes),
        "dup_flag_precision": len(flagged & gold) / len(flagged) if flagged else 0.0,
        "dup_flag_recall": len(flagged & gold) / len(gold),
    }


def ari(labels: list[str], clusters: list[str]) -> float:
    """Adjusted Rand index (Hubert and Arabie) from the contingency table."""

    def pairs(n: int) -> float:
        return n * (n - 1) / 2

    table = Counter(zip(labels, clusters))
    index = sum(pairs(n) for n in table.values())
    rows = sum(pairs(n) for n in Counter(labels).values())
    cols = sum(pairs(n) for n in Counter(clusters).values())
    expected = rows * cols / pairs(len(labels)) if len(labels) > 1 else 0.0
    top = (rows + cols) / 2
    return (index - expected) / (top - expected) if top != expected else 0.0


def run_groups(index: ThemeIndex, notes: list[Note]) -> dict[str, float]:
    groups = index.emerging_groups(limit=len(notes))
    cluster = {n.id: f"single:{n.id}" for n in notes}
    for number, group in enumerate(groups):
        for nid in group.note_ids:
            cluster[nid] = f"group:{number}"
    grouped = sum(len(g.note_ids) for g in groups)
    return {
        "ari": ari([n.theme for n in notes], [cluster[n.id] for n in notes]),
        "groups": len(groups),
        "grouped_notes": grouped,
        "group_names": [g.name for g in groups[:5]],  # type: ignore[dict-item]
    }


def warm_up(language: str, options: argparse.Namespace) -> float:
    """Load the libraries' dictionaries and the model once, as the web app does at start-up."""
    start = time.perf_counter()
    index = ThemeIndex(language, use_embeddings=options.embeddings, tuning=options.tuning)
    for number, text in enumerate(("warm up", "varm op", "värm upp", "opwarmen")):
        index.add_note(str(number), text)
    return (time.perf_counter() - start) * 1000


def measure(notes: list[Note], options: argparse.Namespace) -> dict[str, object]:
    language = Counter(n.lang for n in notes).most_common(1)[0][0]
    result: dict[str, object] = {"data": str(options.data), "notes": len(notes), "seeds": options.seeds,
                                 "runs": options.runs, "language": language}
    result["startup_ms"] = warm_up(language, options)
    result.update(run_suggestions(notes, language, options))
    fresh, _ = make_index(notes, language, options)
    result.update(run_duplicates(fresh, notes))
    result.update(run_groups(fresh, notes))
    result["embeddings"] = fresh.uses_embeddings
    return result


def print_table(result: dict[str, object]) -> None:
    width = max(len(k) for k in result)
    for key, value in result.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="JSON lines: id, lang, text, theme, dup_of")
    parser.add_argument("--seeds", type=int, default=3, help="labelled notes placed per theme (K)")
    parser.add_argument("--runs", type=int, default=20, help="random seedings averaged")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed, for repeatable figures")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--embeddings", dest="embeddings", action="store_true", default=None,
                       help="require the sentence model (the default uses it when installed)")
    model.add_argument("--no-embeddings", dest="embeddings", action="store_false",
                       help="words only, as without the 'embeddings' extra")
    parser.add_argument("--tune", default="", help="Tuning overrides, e.g. name_weight=1.5,top_k=3")
    options = parser.parse_args(argv)
    overrides = dict(item.split("=") for item in options.tune.split(",") if item)
    base = Tuning()
    options.tuning = replace(base, **{k: type(getattr(base, k))(v) for k, v in overrides.items()})
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    notes = load(options.data)
    result = measure(notes, options)
    if options.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
