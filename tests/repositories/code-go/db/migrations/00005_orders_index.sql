-- +goose Up
-- +goose NO TRANSACTION
CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);

-- +goose Down
-- +goose NO TRANSACTION
DROP INDEX CONCURRENTLY orders_user_id_idx;
