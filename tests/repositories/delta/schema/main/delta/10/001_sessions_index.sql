CREATE INDEX sessions_account_id_idx ON sessions (account_id);
