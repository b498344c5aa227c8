"""Format kits: ready-made agendas a host can start from, so a site can run a workshop on its own.

A kit is a list of phases with timings, what participants may do in each, a short instruction for
participants (phones and boards) and a step-by-step script for the facilitator (the console). The
texts are English msgids marked with `N_` so `pybabel extract` finds them; they are translated only
when a kit is turned into an event's agenda (`drafts(kit, translate)`), in the event's language.
Pure data and functions: no I/O, and no import of the i18n machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workshop.domain.agenda import Activity, PhaseDraft, agenda, phase_draft
from workshop.domain.errors import RuleError


def N_(message: str) -> str:  # noqa: N802 - one of the extractor's default keywords
    """Mark `message` for extraction; it is translated where it is shown, not here."""
    return message


POST = Activity.POST
VOTE = Activity.VOTE
BUILD = Activity.BUILD
READ_ONLY: tuple[Activity, ...] = ()


@dataclass(frozen=True, slots=True)
class KitPhase:
    name: str
    minutes: int
    allows: tuple[Activity, ...]  # empty: read only
    instructions: str  # for participants, on phones and boards: one or two short sentences
    script: str  # for the facilitator, in the console: one instruction per line


@dataclass(frozen=True, slots=True)
class Kit:
    id: str
    name: str
    summary: str  # one sentence: when to use it
    phases: tuple[KitPhase, ...]


OPEN_WORKSHOP = Kit(
    id="open-workshop",
    name=N_("An open workshop across sites"),
    summary=N_(
        "Use it when several sites work on one shared theme, each from its own angle, and you want ideas, "
        "sparring between the sites and shared priorities in two to three hours."
    ),
    phases=(
        KitPhase(
            name=N_("Welcome"),
            minutes=10,
            allows=READ_ONLY,
            instructions=N_(
                "Welcome! Join on your phone with the code on the screen, and listen in while we start together with all the sites."
            ),
            script=N_(
                "Welcome everyone and say who you are and what your role is today.\n"
                "Show the join code on the screen and wait until most people have joined on their phones.\n"
                "Present the shared theme and explain that several sites are working on it at the same time.\n"
                "Say how the workshop runs: ideas, sparring with the other sites, themes, votes and a harvest.\n"
                "Say that every voice counts the same here, whether people come as citizens, staff, managers or politicians.\n"
                "Say what will happen with the results afterwards, and who will follow up."
            ),
        ),
        KitPhase(
            name=N_("Each site's angle"),
            minutes=10,
            allows=READ_ONLY,
            instructions=N_("Hear the question your site works on today, and how the other sites look at the same theme."),
            script=N_(
                "Read your site's angle aloud and show it on the screen.\n"
                "Give one or two concrete examples, so everyone knows what the question means in practice.\n"
                "Ask if anything is unclear, and answer questions about the angle, not about solutions yet.\n"
                "Briefly name the other sites' angles, so people know who they will spar with.\n"
                "Tell people that no idea is too small or too wild in the next round."
            ),
        ),
        KitPhase(
            name=N_("Idea round"),
            minutes=20,
            allows=(POST,),
            instructions=N_("Write your ideas, questions and concerns on your phone, one per note. Short notes are easiest to read."),
            script=N_(
                "Ask everyone to think on their own for two minutes before they write.\n"
                "Open the idea round and ask for one idea, question or concern per note.\n"
                "Walk around and help people who are stuck or unsure how to post.\n"
                "Encourage people who have not written anything yet: a question counts as much as an idea.\n"
                "Read a few notes from the board aloud to keep the energy up.\n"
                "Give a two-minute warning before the round ends."
            ),
        ),
        KitPhase(
            name=N_("Exchange between sites"),
            minutes=30,
            allows=(POST, BUILD),
            instructions=N_(
                "Read the notes from the other sites and build on them: add to an idea, ask a question or write a new idea they gave you."
            ),
            script=N_(
                "Show the notes from the other sites on the screen.\n"
                "Send one or two of your site's strongest notes across to the other sites.\n"
                "Read a note from another site aloud and ask the room: what would this look like here?\n"
                "Invite people to build on the other sites' notes, not only on their own.\n"
                "Tell the room when another site builds on one of your notes.\n"
                "Give a two-minute warning before the break."
            ),
        ),
        KitPhase(
            name=N_("Break"),
            minutes=15,
            allows=READ_ONLY,
            instructions=N_("Take a break. All the sites start again together when the time is up."),
            script=N_(
                "Say when the break ends: all the sites start again at the same time.\n"
                "Use the break to look through your site's notes and spot the first themes.\n"
                "Check with the host that your site is ready to go on after the break."
            ),
        ),
        KitPhase(
            name=N_("Grouping into themes"),
            minutes=25,
            allows=(BUILD,),
            instructions=N_("Help sort the notes into themes. Build on a note if something is missing from a theme."),
            script=N_(
                "Explain that you will now group the notes into themes together.\n"
                "Put notes that say the same thing together, and give each theme a short, plain name.\n"
                "Ask the room: does this note belong here, and is a theme missing?\n"
                "Keep notes that stand alone: they can be a theme of their own.\n"
                "Read out the themes you end up with, so everyone can see where their note went.\n"
                "Tell the host your themes, so the sites can see what they have in common."
            ),
        ),
        KitPhase(
            name=N_("Voting"),
            minutes=15,
            allows=(VOTE,),
            instructions=N_("Vote for the notes you think matter most. Notes from every site can get your vote."),
            script=N_(
                "Explain what people vote on: what matters most, not what is easiest.\n"
                "Say that a vote for a note from another site counts just as much.\n"
                "Open the vote and give people quiet time to read before they vote.\n"
                "Keep your own opinions to yourself while people vote.\n"
                "Give a one-minute warning before the vote closes."
            ),
        ),
        KitPhase(
            name=N_("Harvest and next steps"),
            minutes=25,
            allows=READ_ONLY,
            instructions=N_("Hear what each site chose, and what happens next."),
            script=N_(
                "Show the notes with the most votes at your site.\n"
                "When the host gives you the word, read your site's top three notes aloud to all the sites.\n"
                "Listen to the other sites, and point out where you agree and where you differ.\n"
                "Agree on the next steps: who does what, and when people will hear back.\n"
                "Thank everyone for taking part, and say where they can follow the results."
            ),
        ),
    ),
)

# Liberating Structures' 1-2-4-All, with its published timings: 1, 2, 4 and 5 minutes.
ONE_TWO_FOUR_ALL = Kit(
    id="1-2-4-all",
    name=N_("1-2-4-All"),
    summary=N_(
        "Use it to get ideas from everyone in the room in about twelve minutes, "
        "from quiet thinking to the whole group (from Liberating Structures)."
    ),
    phases=(
        KitPhase(
            name=N_("1: On your own"),
            minutes=1,
            allows=(POST,),
            instructions=N_("Think about the question on your own, in silence. Write your first ideas on your phone."),
            script=N_(
                "Show the question on the screen and read it aloud.\n"
                "Ask everyone to think on their own, in silence, for one minute.\n"
                "Ask people to write their ideas on their phones.\n"
                "Keep the silence, even if it feels long."
            ),
        ),
        KitPhase(
            name=N_("2: In pairs"),
            minutes=2,
            allows=(POST, BUILD),
            instructions=N_("Pair up with the person next to you. Share your ideas, build on each other's and post new ones."),
            script=N_(
                "Ask everyone to pair up with the person next to them.\n"
                "Ask each pair to share their ideas and build on each other's.\n"
                "Ask them to notice where they agree and where they differ.\n"
                "Remind them to post new ideas that come up while they talk."
            ),
        ),
        KitPhase(
            name=N_("4: In fours"),
            minutes=4,
            allows=(BUILD,),
            instructions=N_("Two pairs join up. Share what came up in your pairs, and build on the notes that stand out."),
            script=N_(
                "Ask each pair to join another pair.\n"
                "Ask each group to share what came up in the pairs, and to notice what is alike and what differs.\n"
                "Ask them to build on the notes that stand out, rather than write new ones.\n"
                "Ask each group to pick one idea they want to share with everyone."
            ),
        ),
        KitPhase(
            name=N_("All: Together"),
            minutes=5,
            allows=(VOTE,),
            instructions=N_("Hear one idea from each group. Vote for the ideas you want to take forward."),
            script=N_(
                "Ask each group: what is one idea that stood out in your conversation?\n"
                "Let each group share one idea briefly, without repeating what others have said.\n"
                "Show the notes on the screen while the groups share.\n"
                "Open the vote and ask people to vote for the ideas they want to take forward.\n"
                "If there is time, run the cycle again with a new or sharper question."
            ),
        ),
    ),
)

WORLD_CAFE = Kit(
    id="world-cafe",
    name=N_("World Café"),
    summary=N_("Use it for a deeper conversation in small table groups, where ideas travel between tables over three rounds."),
    phases=(
        KitPhase(
            name=N_("Welcome and question"),
            minutes=10,
            allows=READ_ONLY,
            instructions=N_("Welcome to the café. Sit at a table with four or five people, and read the question we explore today."),
            script=N_(
                "Welcome everyone and set a relaxed café mood, with four or five people at each table.\n"
                "Present the question and show it on the screen.\n"
                "Explain the café manners: talk about what matters, listen to understand, and link ideas together.\n"
                "Explain the rounds: after each round one table host stays, and everyone else moves to a new table.\n"
                "Ask each table to choose a table host before the first round starts."
            ),
        ),
        KitPhase(
            name=N_("Round 1: First conversations"),
            minutes=20,
            allows=(POST, BUILD),
            instructions=N_(
                "Talk about the question at your table and post the ideas you want to keep. "
                "When the round ends, everyone but the table host moves to a new table."
            ),
            script=N_(
                "Start the first round and read the question aloud again.\n"
                "Ask each table to talk, and to post the ideas they want to keep on their phones.\n"
                "Walk around and listen, but do not join the conversations.\n"
                "Give a two-minute warning, and remind the table hosts to stay when the round ends.\n"
                "When time is up, ask everyone else to move to a new table, with people they have not talked with yet."
            ),
        ),
        KitPhase(
            name=N_("Round 2: New tables"),
            minutes=20,
            allows=(POST, BUILD),
            instructions=N_(
                "You are at a new table: hear what was said here before, then build on it and add your own ideas. "
                "When the round ends, change tables again."
            ),
            script=N_(
                "Check that everyone has moved and that only the table hosts stayed.\n"
                "Ask the table hosts to sum up the last round in a minute or two.\n"
                "Ask the newcomers to bring in ideas from the tables they came from.\n"
                "Point people to the notes from the other tables and sites, and ask them to build on them.\n"
                "Give a two-minute warning, and ask everyone but the table hosts to change tables once more when time is up."
            ),
        ),
        KitPhase(
            name=N_("Round 3: Patterns and insights"),
            minutes=20,
            allows=(POST, BUILD),
            instructions=N_(
                "Look for the patterns and questions that keep coming back, and build on the notes that matter most."
            ),
            script=N_(
                "Check that everyone has found a new table, or gone back to their first one.\n"
                "Ask each table: what patterns do you see, and what is still missing?\n"
                "Ask them to build on the strongest notes, rather than write many new ones.\n"
                "Ask each table to agree on one insight to share in the harvest.\n"
                "Give a two-minute warning before the round ends."
            ),
        ),
        KitPhase(
            name=N_("Harvest: Vote"),
            minutes=10,
            allows=(VOTE,),
            instructions=N_("Read the notes from all the tables and sites, and vote for the ones you think matter most."),
            script=N_(
                "Show all the notes on the screen, from your site and from the others.\n"
                "Give people a minute to read in silence before they vote.\n"
                "Open the vote and ask people to vote for what matters most to them.\n"
                "Give a one-minute warning before the vote closes."
            ),
        ),
        KitPhase(
            name=N_("Harvest: What we found"),
            minutes=15,
            allows=READ_ONLY,
            instructions=N_("Hear the insight from each table and the notes with the most votes."),
            script=N_(
                "Ask each table host to share their table's insight in one or two sentences.\n"
                "Show the notes with the most votes and read them aloud.\n"
                "Ask the room: what surprised you, and what should happen next?\n"
                "Share your site's top notes with the other sites when the host asks for them.\n"
                "Thank everyone, and say what will happen with the results."
            ),
        ),
    ),
)

CHECK_IN_OUT = Kit(
    id="check-in-out",
    name=N_("Check-in and check-out"),
    summary=N_(
        "Use it for a short session of about twenty-five minutes where everyone is heard: "
        "people check in, share their hopes and check out with one word."
    ),
    phases=(
        KitPhase(
            name=N_("Check-in round"),
            minutes=5,
            allows=(POST,),
            instructions=N_("How do you arrive today? Write a short note about how you are and what is on your mind."),
            script=N_(
                "Welcome everyone and say that we start by hearing from everyone.\n"
                "Show the question on the screen: how do you arrive today, and what is on your mind?\n"
                "Give people a quiet minute, then ask each person to post one short note.\n"
                "Read the notes aloud without commenting on them: there are no right or wrong answers.\n"
                "Greet the other sites and read one or two of their notes aloud too."
            ),
        ),
        KitPhase(
            name=N_("Hopes and expectations"),
            minutes=8,
            allows=(POST, VOTE),
            instructions=N_(
                "What would make this time worth it for you? Write one hope per note, and vote for the hopes of others that you share."
            ),
            script=N_(
                "Ask: what would make this time worth it for you?\n"
                "Ask for one hope or expectation per note.\n"
                "Voting is optional: if you want to see what matters most, ask people to vote for the hopes they share.\n"
                "Read the notes aloud as they come in, and point out the ones that say the same thing."
            ),
        ),
        KitPhase(
            name=N_("What we heard"),
            minutes=5,
            allows=READ_ONLY,
            instructions=N_("Hear what the group hopes for, and what will be done about it."),
            script=N_(
                "Read aloud the hopes with the most votes, or the ones that came up most often.\n"
                "Say honestly which hopes can be met, and which cannot.\n"
                "Name the hopes that need follow-up, and say who will take them on.\n"
                "Ask if anyone feels that something important is missing."
            ),
        ),
        KitPhase(
            name=N_("Check-out with one word"),
            minutes=5,
            allows=(POST,),
            instructions=N_("Write one word that sums up how you leave right now."),
            script=N_(
                "Ask everyone to sum up in one word how they leave.\n"
                "Ask them to post their word as a note on their phones.\n"
                "Read all the words aloud, without commenting on them.\n"
                "Thank everyone for their time, and say what happens next."
            ),
        ),
    ),
)

KITS: dict[str, Kit] = {kit.id: kit for kit in (OPEN_WORKSHOP, ONE_TWO_FOUR_ALL, WORLD_CAFE, CHECK_IN_OUT)}
"""The built-in kits, in the order they are offered."""


def kit(kit_id: str) -> Kit:
    """The kit with this id; RuleError `unknown_kit` when there is none."""
    found = KITS.get(kit_id) if isinstance(kit_id, str) else None
    if found is None:
        raise RuleError("unknown_kit", f"There is no kit with that id; the kits are: {', '.join(KITS)}.", "kit")
    return found


def drafts(kit: Kit, translate: Callable[[str], str]) -> list[PhaseDraft]:
    """The kit's phases as checked agenda drafts, every text passed through `translate`.

    The caller passes gettext in the event's language, so an event gets its agenda in its own
    language even when the host's browser speaks another."""
    return agenda(
        [
            phase_draft(
                translate(phase.name),
                phase.minutes,
                [activity.value for activity in phase.allows],
                translate(phase.instructions),
                translate(phase.script),
            )
            for phase in kit.phases
        ]
    )
