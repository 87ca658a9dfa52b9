-- accounts is created in this version: an index on it blocks no one yet.
CREATE INDEX accounts_user_id_idx ON accounts (user_id);
