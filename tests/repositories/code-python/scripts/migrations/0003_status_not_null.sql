SET lock_timeout = '2s';
ALTER TABLE accounts ALTER COLUMN status SET NOT NULL;
