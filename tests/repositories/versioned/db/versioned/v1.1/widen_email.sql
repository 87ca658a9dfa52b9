SET lock_timeout = '2s';
-- varchar(20) -> varchar(40): PostgreSQL relabels the column, no rewrite.
ALTER TABLE accounts ALTER COLUMN email TYPE varchar(40);
