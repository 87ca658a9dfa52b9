//! `require-concurrent-detach-partition`: `DETACH PARTITION` without
//! `CONCURRENTLY` takes the parent and the partition exclusively.

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;

use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::alter_table;

crate::rule::declare_rule!(RequireConcurrentDetachPartition, id: "require-concurrent-detach-partition", category: Locking, severity: Error, since: "0.1.0");

impl Rule for RequireConcurrentDetachPartition {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::AlterTableStmt(stmt) = ctx.node() else {
            return;
        };
        let Some(parent_rv) = &stmt.relation else { return };
        let parent = RelationName::from_range_var(parent_rv);
        // The parent or the partition may be new: each side is judged on its own.
        for action in alter_table::actions(ctx).filter(|a| a.is(AlterTableType::AtDetachPartition)) {
            let Some(NodeEnum::PartitionCmd(part)) = action.cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
                continue;
            };
            let Some(part_rv) = part.name.as_ref().filter(|_| !part.concurrent) else {
                continue;
            };
            let partition = RelationName::from_range_var(part_rv);
            let (parent_lock, part_lock) = (ctx.lock_on_existing(&parent), ctx.lock_on_existing(&partition));
            let Some(main) = parent_lock.or(part_lock) else {
                continue;
            };
            let mut finding = Finding::new(
                action.span(),
                format!("partition {partition} detached from {parent} without CONCURRENTLY"),
            );
            if let Some(lock) = parent_lock {
                finding = finding.label(
                    ctx.name_at(parent_rv.location),
                    format!("{} until the transaction ends", lock.describe()),
                );
            }
            if let Some(lock) = part_lock {
                finding = finding.label(
                    ctx.name_at(part_rv.location),
                    format!("{} until the transaction ends", lock.describe()),
                );
            }
            out.push(
                finding
                    .help(help(ctx, &parent, &partition))
                    .lock(&main.relation, main.mode),
            );
        }
    }
}

fn help(ctx: StatementContext<'_>, parent: &RelationName, partition: &RelationName) -> String {
    let (parent, partition) = (parent.to_sql(), partition.to_sql());
    let version = ctx.pg_version();
    if version < 14 {
        return format!(
            "DETACH PARTITION CONCURRENTLY needs PostgreSQL 14 (configured: {version}), so these locks cannot be avoided; keep the wait for them short and retry when it times out:\n  SET lock_timeout = '5s';\n  ALTER TABLE {parent} DETACH PARTITION {partition};\nrun it at a quiet moment, in a transaction that does nothing else"
        );
    }
    let mut help = format!(
        "detach it in two steps that let reads and writes continue, outside a transaction block:\n  ALTER TABLE {parent} DETACH PARTITION {partition} CONCURRENTLY;\nthis is refused when {parent} has a DEFAULT partition; if it is interrupted, finish it with:\n  ALTER TABLE {parent} DETACH PARTITION {partition} FINALIZE;"
    );
    if let Some(note) = crate::rules::recipe::outside_transaction_note(ctx) {
        help.push('\n');
        help.push_str(&note);
    }
    help
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    #[test]
    fn flags_plain_detach() {
        assert_eq!(
            findings(
                "require-concurrent-detach-partition",
                "ALTER TABLE p DETACH PARTITION p1;"
            )
            .len(),
            1
        );
        assert_eq!(
            findings_with(
                "require-concurrent-detach-partition",
                "ALTER TABLE p DETACH PARTITION p1;",
                &Settings::new(13)
            )
            .len(),
            1
        );
    }

    #[test]
    fn concurrently_or_new_tables_are_fine() {
        assert!(findings(
            "require-concurrent-detach-partition",
            "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;"
        )
        .is_empty());
        assert!(findings(
            "require-concurrent-detach-partition",
            "ALTER TABLE p DETACH PARTITION p1 FINALIZE;"
        )
        .is_empty());
        let new = "CREATE TABLE p (id bigint) PARTITION BY RANGE (id);\nCREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (10);\nALTER TABLE p DETACH PARTITION p1;";
        assert!(findings("require-concurrent-detach-partition", new).is_empty());
    }
}
