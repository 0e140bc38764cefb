-- Version 3.
-- Inputs the last ingest could not read or decode, with the UTC day each was last modified
-- (it holds no row after it): until an ingest reads them, reviews of the days they may hold
-- are missing data. Each ingest replaces this list with its own.
CREATE TABLE IF NOT EXISTS unreadable (
    path TEXT PRIMARY KEY,
    error TEXT NOT NULL,
    modified_day INTEGER NOT NULL
);
