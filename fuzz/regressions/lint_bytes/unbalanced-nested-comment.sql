SELECT 1;
/* /* */
CREATE INDEX i ON t (a);