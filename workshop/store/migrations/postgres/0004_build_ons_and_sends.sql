-- Ideas travelling between sites: build-ons under notes, notes and questions sent to other sites,
-- and the note each site has in its spotlight.

-- A build-on goes with its note (and so with a note's deletion). `site_id` is the note's site, where
-- the thread shows; `author_site_id` the author's, so "Odense built on this" needs no join.
CREATE TABLE build_ons (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE DEFERRABLE,
    note_id        TEXT NOT NULL REFERENCES notes (id) ON DELETE CASCADE DEFERRABLE,
    site_id        TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE DEFERRABLE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE DEFERRABLE,
    author_site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE DEFERRABLE,
    seq            BIGINT NOT NULL,
    text           TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 280),
    client_id      TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (participant_id, client_id)
);
CREATE INDEX build_ons_by_event ON build_ons (event_id, seq);
CREATE INDEX build_ons_by_note ON build_ons (note_id, seq);

-- A send of a note goes when the note is deleted: what its author withdrew does not travel on.
-- `to_site_id` NULL: every site but the sender.
CREATE TABLE sends (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE DEFERRABLE,
    from_site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE DEFERRABLE,
    to_site_id   TEXT REFERENCES sites (id) ON DELETE CASCADE DEFERRABLE,
    note_id      TEXT REFERENCES notes (id) ON DELETE CASCADE DEFERRABLE,
    question     TEXT CHECK (question IS NULL OR length(question) BETWEEN 1 AND 300),
    seq          BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    CHECK ((note_id IS NULL) <> (question IS NULL)),
    CHECK (to_site_id IS NULL OR to_site_id <> from_site_id)
);
CREATE INDEX sends_by_event ON sends (event_id, seq);

ALTER TABLE sites ADD COLUMN spotlight_note_id TEXT REFERENCES notes (id) ON DELETE SET NULL DEFERRABLE;
