SET lock_timeout = '2s';
ALTER TABLE accounts ALTER COLUMN email TYPE varchar(40);
