CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    email varchar(20) NOT NULL
);
