-- Events, their sites, participants, notes, and the log every change is appended to.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE events (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    theme            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL,
    timezone         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'live', 'closed')),
    host_secret_hash TEXT NOT NULL UNIQUE,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE sites (
    id                TEXT PRIMARY KEY,
    event_id          TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    angle             TEXT NOT NULL DEFAULT '',
    join_code         TEXT NOT NULL,
    -- The join code while the event is open, NULL once it is closed: the unique index makes codes
    -- unique among open events and lets a closed event's code be used again.
    open_join_code    TEXT UNIQUE,
    facilitator_nonce TEXT NOT NULL,
    position          INTEGER NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX sites_by_event ON sites (event_id, position);

CREATE TABLE participants (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    site_id    TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       TEXT,
    role       TEXT CHECK (role IN ('citizen', 'staff', 'manager', 'politician', 'other')),
    created_at TEXT NOT NULL
);
CREATE INDEX participants_by_site ON participants (site_id);

CREATE TABLE notes (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    site_id        TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    text           TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    kind           TEXT NOT NULL CHECK (kind IN ('idea', 'question', 'concern')),
    colour         TEXT NOT NULL,
    visible        INTEGER NOT NULL DEFAULT 1 CHECK (visible IN (0, 1)),
    client_id      TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (participant_id, client_id)
);
CREATE INDEX notes_by_event ON notes (event_id, seq);

CREATE TABLE event_log (
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (event_id, seq)
) WITHOUT ROWID;
