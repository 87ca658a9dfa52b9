-- name: DeleteInvoices :exec
DELETE FROM invoices;
