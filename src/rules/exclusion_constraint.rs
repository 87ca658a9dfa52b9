//! `exclusion-constraint`: `ADD CONSTRAINT ... EXCLUDE` on an existing table
//! builds its index and checks every row while reads and writes wait, and
//! has no `NOT VALID` or `USING INDEX` way around it.

use pg_query::protobuf::ConstrType;

use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::constraint_name_in_message;

crate::rule::declare_rule!(ExclusionConstraint, id: "exclusion-constraint", category: Locking, severity: Error, since: "0.1.0");

impl Rule for ExclusionConstraint {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let (table, lock) = (&alter.relation, alter.lock);
        let exclusions = alter
            .added_constraints()
            .filter(|(_, con)| con.contype == ConstrType::ConstrExclusion as i32);
        for (action, con) in exclusions {
            let named = constraint_name_in_message(&con.conname);
            let t = table.to_sql();
            out.push(
                Finding::new(
                    action.span(),
                    format!("exclusion constraint{named} on {table} builds its index and checks every row while the table is locked"),
                )
                .label(
                    alter.name_span(),
                    format!("{} until the index is built and every row checked", lock.describe()),
                )
                .help(format!(
                    "an exclusion constraint cannot be added NOT VALID nor attached with USING INDEX, so on a populated table it always holds this lock for the whole build:\n  \
                     - declare it when the table is created (CREATE TABLE ... EXCLUDE ...), while the table is empty\n  \
                     - or create a new table with the constraint, copy the rows of {t} over in batches while a trigger forwards new writes, \
                       then swap the tables with renames in one short transaction\n  \
                     - if it must run on {t} as it is, run it when the table is small or traffic is low, \
                       after SET lock_timeout = '5s'; so it gives up instead of stalling every query behind it"
                ))
                .lock(&lock.relation, lock.mode),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_exclusion_constraint_on_existing_table() {
        assert_eq!(
            findings("exclusion-constraint", "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);"),
            ["exclusion constraint \"no_overlap\" on \"bookings\" builds its index and checks every row while the table is locked"]
        );
    }

    #[test]
    fn new_tables_are_fine() {
        let sql = "CREATE TABLE bookings (room bigint, during tstzrange);\nALTER TABLE bookings ADD EXCLUDE USING gist (room WITH =, during WITH &&);";
        assert!(findings("exclusion-constraint", sql).is_empty());
    }
}
