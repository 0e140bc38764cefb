-- Version 4. The hourly cells, one row per hour: the hour's cells packed in a blob
-- (`store/packed.rs`): per cell the ids of its ISP, source IP, VirtualMTA, pool, record
-- kind and class (in `names`, dims 'kind' and 'class'; class '' for delivered rows) and
-- its row count, as varints, compressed with zstd. A review reads a day as 24 rows instead of one row per cell. `cells`
-- and `rows` are how many cells the blob holds and the sum of their counts, checked
-- whenever it is read. The migration packs the `cells` table of older versions, checks
-- that every count arrived, and drops it.
CREATE TABLE IF NOT EXISTS hours (
    hour INTEGER PRIMARY KEY,
    cells INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    data BLOB NOT NULL
);

-- The texts of the sample replies, once each, by the hash that chose them (a sample is
-- the text with the smallest hash of its day, ISP, IP and class; the same few texts stand
-- for thousands of them). `samples` keeps the hash alone.
CREATE TABLE IF NOT EXISTS sample_texts (
    hash INTEGER PRIMARY KEY,
    text TEXT NOT NULL
);
INSERT OR IGNORE INTO sample_texts (hash, text) SELECT hash, text FROM samples;
ALTER TABLE samples DROP COLUMN text;
