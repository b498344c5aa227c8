-- Moderation: notes hidden by a moderator or merged into another, locked boards, removed
-- participants, and the proxy participants a facilitator posts for (a table, paper notes).

-- The kept note a duplicate was merged into (it is then hidden). A kept note that is deleted
-- later leaves its duplicates hidden, no longer pointing anywhere.
ALTER TABLE notes ADD COLUMN merged_into TEXT REFERENCES notes (id) ON DELETE SET NULL DEFERRABLE;
-- Who hid a note: a moderator's hide is told apart from an author's; NULL while it is visible.
ALTER TABLE notes ADD COLUMN hidden_by TEXT CHECK (hidden_by IN ('author', 'moderator'));
-- Whom a facilitator posted the note for ("Table 3"): the proxy participant's name, kept on the
-- note so every screen can say "for Table 3" without a lookup.
ALTER TABLE notes ADD COLUMN on_behalf_of TEXT;

-- A locked board takes no notes, votes or build-ons from participants until it is unlocked.
ALTER TABLE sites ADD COLUMN locked BOOLEAN NOT NULL DEFAULT FALSE;

-- A removed participant's tokens stop working; the record stays, so their notes keep an author.
ALTER TABLE participants ADD COLUMN removed_at TEXT;
-- A participant record that stands for a table or for paper notes, created by a facilitator.
ALTER TABLE participants ADD COLUMN proxy BOOLEAN NOT NULL DEFAULT FALSE;
-- One proxy per name and site, so posts for "Table 3" racing each other share one record.
CREATE UNIQUE INDEX participants_proxy_by_name ON participants (site_id, name) WHERE proxy;
