-- Blocks every write to "orders" while the index builds, with no lock timeout.
CREATE INDEX orders_account_id_idx ON orders (account_id);
