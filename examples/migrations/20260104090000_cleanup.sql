SET lock_timeout = '5s';

ALTER TABLE accounts RENAME COLUMN email TO email_address;
ALTER TABLE orders DROP COLUMN legacy_status;
-- miglint: ignore ban-delete-without-where -- staging fixture rows only, reviewed by @data-team
DELETE FROM order_imports;
