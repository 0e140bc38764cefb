-- Version 2. Stores of version 1 written after samples were kept have this table already.
-- One sample reply per UTC day (days since the epoch), ISP, source IP and class: of the
-- texts seen, the one with the smallest hash, whatever the order of reading.
CREATE TABLE IF NOT EXISTS samples (
    day INTEGER NOT NULL,
    isp INTEGER NOT NULL,
    source_ip INTEGER NOT NULL,
    class TEXT NOT NULL,
    hash INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (day, isp, source_ip, class)
) WITHOUT ROWID;
