-- CONCURRENTLY cannot run in a transaction block: this file runs without one.
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY orders_account_id_idx ON orders (account_id);
