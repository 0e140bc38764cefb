-- The deferwatch store: hourly aggregates and the checkpoints of every content read.
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Names behind the integer ids of ISPs, source IPs, VirtualMTAs, pools and unknown replies.
CREATE TABLE IF NOT EXISTS names (
    id INTEGER PRIMARY KEY,
    dim TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (dim, name)
);

-- Row counts per hour (hours since the Unix epoch, UTC) and group. `class` is '' for
-- delivered rows.
CREATE TABLE IF NOT EXISTS cells (
    hour INTEGER NOT NULL,
    isp INTEGER NOT NULL,
    source_ip INTEGER NOT NULL,
    vmta INTEGER NOT NULL,
    pool INTEGER NOT NULL,
    kind TEXT NOT NULL,
    class TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, isp, source_ip, vmta, pool, kind, class)
) WITHOUT ROWID;

-- Counts of reply texts no rule knows; text -1 stands for texts beyond the kept ones.
CREATE TABLE IF NOT EXISTS unknown (
    hour INTEGER NOT NULL,
    isp INTEGER NOT NULL,
    text INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, isp, text)
) WITHOUT ROWID;

-- One row per file content read (a log file and its rotated or compressed copies share
-- one): how to recognise it, and where the next read resumes.
CREATE TABLE IF NOT EXISTS streams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    head_len INTEGER NOT NULL,
    head_hash INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    line INTEGER NOT NULL,
    header TEXT,
    tail_len INTEGER NOT NULL,
    tail_hash INTEGER NOT NULL,
    stats TEXT NOT NULL,
    last_run INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS streams_by_head ON streams (head_len, head_hash);

-- The state of each path when it was last read to its end: unchanged files are skipped
-- without being opened.
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    stream INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    finished TEXT NOT NULL,
    files_read INTEGER NOT NULL,
    files_unchanged INTEGER NOT NULL,
    bytes_read INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    pruned_cells INTEGER NOT NULL
);
