CREATE TABLE sessions (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL
);
