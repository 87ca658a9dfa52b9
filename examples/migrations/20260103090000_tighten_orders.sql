SET lock_timeout = '5s';

ALTER TABLE orders ADD COLUMN shipped_at timestamp;
ALTER TABLE orders ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE orders
    ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
