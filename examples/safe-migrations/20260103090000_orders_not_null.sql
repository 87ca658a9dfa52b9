-- SET NOT NULL without a long exclusive scan (PostgreSQL 12+):
-- add the check without validating, validate under a weak lock, then rely on it.
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_account_id_not_null CHECK (account_id IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_account_id_not_null;
ALTER TABLE orders ADD CONSTRAINT orders_account_fk
    FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk;
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
