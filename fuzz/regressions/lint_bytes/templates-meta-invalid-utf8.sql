DROP TABLE ${schema}.t; DROP TABLE {{ .S }}.u;
\set x 1
SELECT :x, :'v', $$ ; ÿ