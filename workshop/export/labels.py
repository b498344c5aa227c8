"""The words every export format shares: kinds, role tags and what an export includes.

Marked with `N_` and translated when used, so each renders in the language current at that moment
(the event's: the renderers run inside `i18n.in_locale(event.language)`). The msgids are the ones
the pages already use, so a kind reads the same on a phone and in the summary.
"""

from __future__ import annotations

from workshop.export.summary import NO_ROLE, PROXY, Includes, Summary
from workshop.i18n import N_, gettext, ngettext

KINDS = {"idea": N_("Idea"), "question": N_("Question"), "concern": N_("Concern")}
ROLES = {
    "citizen": N_("Citizen"), "staff": N_("Staff"), "manager": N_("Manager"), "politician": N_("Politician"), "other": N_("Other"),
    NO_ROLE: N_("No role given"), PROXY: N_("Posted by a facilitator (a table or paper notes)"),
}


def kind(value: str) -> str:
    return str(KINDS.get(value, value))


def role(key: str) -> str:
    return str(ROLES.get(key, key))


def includes(summary: Summary) -> list[str]:
    """What the export holds and leaves out, one sentence each: said at its top."""
    chosen: Includes = summary.includes
    lines = [
        gettext("Participants' names are included.") if chosen.names
        else gettext("Participants' names are left out (the host can ask for them)."),
    ]
    if chosen.hidden:
        lines.append(gettext("Notes hidden by a moderator or merged into another are included, listed apart; they are not counted."))
    elif summary.hidden_left_out:
        lines.append(ngettext(
            "%(count)d note hidden by a moderator or merged into another is left out.",
            "%(count)d notes hidden by a moderator or merged into another are left out.", summary.hidden_left_out,
        ) % {"count": summary.hidden_left_out})
    else:
        lines.append(gettext("No note was hidden by a moderator."))
    return lines
