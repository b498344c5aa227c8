"""The event as JSON: complete and versioned, the raw data for further work and for `workshop import`.

The complete form (names and hidden notes asked for) holds everything the store holds about the
event but its secrets: every participant, note, vote and build-on, and the whole log, so an import
makes a faithful copy. Without names, participants' names (and the names facilitators posted for)
are null; without hidden notes, those notes and the votes, build-ons, sends and spotlights that hang
on them are left out. Either way the log is left out too (`"log": null`): it carries every name
and every text as it was written, and a log with holes would no longer tell the event's story.
Only the complete form can be imported (`read` refuses the others).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any, NoReturn, TypeVar

from workshop.domain.errors import RuleError
from workshop.domain.models import (
    BuildOn, Colour, Event, EventStatus, LogEntry, Note, NoteKind, Participant, Phase, Role, Send, Site, SiteClock, Theme, as_json,
)
from workshop.domain.record import Record, Vote
from workshop.export.summary import Includes

FORMAT = "open-workshop-export"
VERSION = 1

T = TypeVar("T")


def write(record: Record, includes: Includes, now: str) -> dict[str, Any]:
    kept = _redacted(record, includes)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now,
        "includes": {"names": includes.names, "hidden": includes.hidden, "complete": includes.complete},
        "seq": kept.seq,
        "event": as_json(kept.event),
        "sites": [as_json(site) for site in kept.sites],
        "participants": [as_json(participant) for participant in kept.participants],
        "notes": [as_json(note) for note in kept.notes],
        "themes": [as_json(theme) for theme in kept.themes],
        "phases": [as_json(phase) for phase in kept.phases],
        "clocks": [as_json(clock) for clock in kept.clocks],
        "votes": [as_json(vote) for vote in kept.votes],  # type: ignore[arg-type]  # a record like the others
        "build_ons": [as_json(build_on) for build_on in kept.build_ons],
        "sends": [as_json(sent) for sent in kept.sends],
        "spotlights": dict(kept.spotlights),
        "log": [_entry(entry) for entry in kept.log] if includes.complete else None,
    }


def _entry(entry: LogEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "type": entry.type, "data": entry.data, "created_at": entry.created_at}


def _redacted(record: Record, includes: Includes) -> Record:
    """The record without what the host did not ask for (see the module's docstring)."""
    if not includes.names:
        record = dataclasses.replace(
            record,
            participants=[dataclasses.replace(p, name=None) for p in record.participants],
            notes=[dataclasses.replace(n, on_behalf_of=None) for n in record.notes],
        )
    if not includes.hidden:
        shown = {note.id for note in record.notes if note.visible}
        record = dataclasses.replace(
            record,
            notes=[note for note in record.notes if note.id in shown],
            votes=[vote for vote in record.votes if vote.note_id in shown],
            build_ons=[build_on for build_on in record.build_ons if build_on.note_id in shown],
            sends=[sent for sent in record.sends if sent.note_id is None or sent.note_id in shown],
            spotlights={site: note for site, note in record.spotlights.items() if note in shown},
        )
    return record


# -- reading an export back -----------------------------------------------------------------------


def read(data: object) -> Record:
    """The record in an export, checked for its format, version and completeness; RuleError
    `invalid_export` (with what is wrong) otherwise. References between the parts are checked by
    the store's import (`record.check`)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        _refuse("this is not an Open Workshop export (its \"format\" is not \"open-workshop-export\")")
    if data.get("version") != VERSION:
        _refuse(f"it is version {data.get('version')!r}; this version of Open Workshop reads version {VERSION}")
    if not (isinstance(data.get("includes"), dict) and data["includes"].get("complete") is True and isinstance(data.get("log"), list)):
        _refuse("it leaves out names or hidden notes; only a complete export (names and hidden notes included) can be imported")
    try:
        return Record(
            seq=_int(data["seq"]),
            event=_make(Event, data["event"], status=EventStatus),
            sites=[_make(Site, item) for item in _list(data, "sites")],
            participants=[_make(Participant, item, role=_optional(Role)) for item in _list(data, "participants")],
            notes=[_make(Note, item, kind=NoteKind, colour=Colour) for item in _list(data, "notes")],
            themes=[_make(Theme, item) for item in _list(data, "themes")],
            phases=[_make(Phase, item, allows=tuple) for item in _list(data, "phases")],
            clocks=[_make(SiteClock, item) for item in _list(data, "clocks")],
            votes=[_make(Vote, item) for item in _list(data, "votes")],
            build_ons=[_make(BuildOn, item) for item in _list(data, "build_ons")],
            sends=[_make(Send, item) for item in _list(data, "sends")],
            spotlights=_spotlights(data.get("spotlights")),
            log=[_log_entry(data["event"].get("id"), item) for item in _list(data, "log")],
        )
    except KeyError as missing:
        _refuse(f"{missing} is missing")
    except (TypeError, ValueError, AttributeError) as exc:
        _refuse(f"a value is not what it should be ({exc})")


def _refuse(why: str) -> NoReturn:
    raise RuleError("invalid_export", f"This file cannot be imported: {why}.", "file")


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data[key]
    if not isinstance(value, list):
        raise ValueError(f"{key} is not a list")
    return value


def _optional(kind: type[enum.Enum]) -> Any:
    return lambda value: None if value is None else kind(value)


def _make(cls: type[T], raw: object, **convert: Any) -> T:
    """A record from its JSON object: exactly its fields, converted where a converter is given."""
    if not isinstance(raw, dict):
        raise ValueError(f"a {cls.__name__} is not an object")
    names = {item.name for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if set(raw) != names:
        raise ValueError(f"a {cls.__name__} has the fields {sorted(set(raw) ^ names)} wrong")
    values = {key: convert[key](value) if key in convert else value for key, value in raw.items()}
    hints = typing.get_type_hints(cls)
    wrong = sorted(key for key, value in values.items() if not _conforms(value, hints[key]))
    if wrong:  # a hand-edited file: refused in words, never stored half-typed or a database error
        raise ValueError(f"a {cls.__name__} has {', '.join(wrong)} of the wrong type")
    return cls(**values)


def _conforms(value: object, hint: Any) -> bool:
    """Whether a value read from JSON is of a record field's declared type (str, int, float, bool,
    an enum, a tuple of str, or an optional one of these)."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return any(_conforms(value, each) for each in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if typing.get_origin(hint) is tuple:
        return isinstance(value, tuple) and all(isinstance(each, str) for each in value)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _spotlights(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise ValueError("spotlights is not an object of site id -> note id")
    return dict(raw)


def _log_entry(event_id: object, raw: object) -> LogEntry:
    if not isinstance(raw, dict) or set(raw) != {"seq", "type", "data", "created_at"} or not isinstance(raw["data"], dict):
        raise ValueError("a log entry is not {seq, type, data, created_at}")
    return LogEntry(str(event_id), _int(raw["seq"]), str(raw["type"]), raw["data"], str(raw["created_at"]))
