-- users comes from the base schema: it exists and has rows.
CREATE INDEX users_name_idx ON users (name);
