SET lock_timeout = '2s';
-- varchar(40) -> varchar(30): every row is checked and the table rewritten.
ALTER TABLE accounts ALTER COLUMN email TYPE varchar(30);
