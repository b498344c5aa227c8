-- Themes: named groups of notes, shared by every site of an event. A note is in at most one theme
-- (one column, not a link table, so "at most one" needs no check); deleting a theme returns its
-- notes to unplaced.

CREATE TABLE themes (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE DEFERRABLE,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    -- The name as compared (case and spacing folded, `domain.themes.name_key`): one "Data" per event.
    name_key   TEXT NOT NULL,
    seq        BIGINT NOT NULL,  -- the log entry that created it: themes are listed in that order
    created_at TEXT NOT NULL,
    UNIQUE (event_id, name_key)
);
CREATE INDEX themes_by_event ON themes (event_id, seq);

ALTER TABLE notes ADD COLUMN theme_id TEXT REFERENCES themes (id) ON DELETE SET NULL DEFERRABLE;
CREATE INDEX notes_by_theme ON notes (theme_id) WHERE theme_id IS NOT NULL;
