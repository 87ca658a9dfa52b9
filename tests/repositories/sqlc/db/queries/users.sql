-- name: GetUser :one
SELECT id, email FROM users WHERE id = $1;

-- name: DeleteAllUsers :exec
DELETE FROM users;

-- name: RenameUser :exec
UPDATE users SET email = sqlc.arg(email) WHERE id = sqlc.arg(id);
