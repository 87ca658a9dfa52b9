package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

func init() {
	goose.AddMigrationNoTxContext(upSplitNames, downSplitNames)
}

func upSplitNames(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "ALTER TABLE users ADD COLUMN first_name text")
	return err
}

func downSplitNames(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "ALTER TABLE users DROP COLUMN first_name")
	return err
}
