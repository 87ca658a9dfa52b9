-- +goose Up
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL
);

-- +goose Down
DROP TABLE orders;
