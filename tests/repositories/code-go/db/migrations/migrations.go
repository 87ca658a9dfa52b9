// Package migrations holds the Go migrations goose runs beside the SQL ones.
package migrations
