-- Dot voting: the host's settings, each site's reveal, and every vote cast.

-- Votes per participant per voting phase; may several go on one note; are totals hidden at a
-- site until its facilitator reveals them. The limits mirror workshop.domain.votes.
ALTER TABLE events ADD COLUMN vote_budget INTEGER NOT NULL DEFAULT 3 CHECK (vote_budget BETWEEN 1 AND 20);
ALTER TABLE events ADD COLUMN votes_several_per_note INTEGER NOT NULL DEFAULT 0 CHECK (votes_several_per_note IN (0, 1));
ALTER TABLE events ADD COLUMN votes_hidden INTEGER NOT NULL DEFAULT 0 CHECK (votes_hidden IN (0, 1));

ALTER TABLE sites ADD COLUMN votes_revealed INTEGER NOT NULL DEFAULT 0 CHECK (votes_revealed IN (0, 1));

-- One row per dot. A vote follows its note: deleting the note deletes its votes. `site_id` is the
-- note's site (results per site), `voter_site_id` the voter's (whose phase the vote was cast in).
-- `phase_id` has no foreign key on purpose: a voting phase removed from the agenda later leaves
-- its votes in the record.
CREATE TABLE votes (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    note_id        TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    site_id        TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    voter_site_id  TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    phase_id       TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX votes_by_note ON votes (note_id);
CREATE INDEX votes_by_voter ON votes (participant_id, phase_id);
CREATE INDEX votes_by_event ON votes (event_id);
