CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    status text
);
