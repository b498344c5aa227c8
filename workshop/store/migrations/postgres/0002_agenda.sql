-- The agenda: an event's ordered phases, the kit they came from, and each site's clock.

ALTER TABLE events ADD COLUMN kit TEXT;

CREATE TABLE phases (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE DEFERRABLE,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    minutes      INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 480),
    -- What participants may do, comma-separated from post, vote, build; empty is read only.
    allows       TEXT NOT NULL DEFAULT '',
    instructions TEXT NOT NULL DEFAULT '',
    script       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX phases_by_event ON phases (event_id, position);

-- Each site's clock. A phase that is deleted while a site is in it cannot happen (the store
-- refuses), but SET NULL keeps the schema safe on its own.
ALTER TABLE sites ADD COLUMN phase_id TEXT REFERENCES phases (id) ON DELETE SET NULL DEFERRABLE;
ALTER TABLE sites ADD COLUMN phase_started_at TEXT;
ALTER TABLE sites ADD COLUMN paused_at TEXT;
ALTER TABLE sites ADD COLUMN paused_seconds DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN extra_seconds INTEGER NOT NULL DEFAULT 0;
