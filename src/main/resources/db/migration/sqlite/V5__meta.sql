-- Facts about the installation itself. 'key_check' holds a known value sealed with the master key, so
-- a node started with another key (another key file, a changed HERALD_MASTER_KEY) refuses to start
-- instead of failing to open every stored secret.
CREATE TABLE herald_meta (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
