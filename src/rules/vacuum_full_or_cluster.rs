//! `vacuum-full-or-cluster`: `VACUUM FULL` and `CLUSTER` rewrite the whole
//! table while holding ACCESS EXCLUSIVE on it.

use pg_query::NodeEnum;

use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::parse::ast::has_option;
use crate::rule::Rule;

crate::rule::declare_rule!(VacuumFullOrCluster, id: "vacuum-full-or-cluster", category: Rewrite, severity: Error, since: "0.1.0");

impl Rule for VacuumFullOrCluster {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let (command, keyword, tables) = match ctx.node() {
            NodeEnum::VacuumStmt(stmt) if has_option(&stmt.options, "full") => {
                let tables = stmt
                    .rels
                    .iter()
                    .filter_map(|n| match n.node.as_ref()? {
                        NodeEnum::VacuumRelation(r) => r.relation.as_ref(),
                        _ => None,
                    })
                    .collect::<Vec<_>>();
                ("VACUUM FULL", "full", tables)
            }
            NodeEnum::ClusterStmt(stmt) => ("CLUSTER", "cluster", stmt.relation.iter().collect()),
            _ => return,
        };
        let facts = ctx.facts();
        let span = ctx.clause(&[keyword]);
        for rv in tables {
            let table = RelationName::from_range_var(rv);
            let rewritten = facts.rewrites.iter().any(|r| r.same_as(&table));
            let Some(lock) = ctx.lock_on_existing(&table) else {
                continue;
            };
            if !rewritten {
                continue;
            }
            out.push(
                Finding::new(span, format!("{table} rewritten in full by {command}"))
                    .label(
                        ctx.name_at(rv.location),
                        format!("{} until the rewrite ends", lock.describe()),
                    )
                    .help(help(ctx, command, Some(&table)))
                    .lock(&lock.relation, lock.mode),
            );
        }
        // Without a table: every table (VACUUM FULL) or every clustered one.
        if let Some(lock) = facts.scoped_locks.iter().find(|l| l.mode.blocks_reads()) {
            out.push(
                Finding::new(span, format!("{} rewritten in full by {command}", lock.scope))
                    .label(ctx.span(), format!("{} until each rewrite ends", lock.describe()))
                    .help(help(ctx, command, None)),
            );
        }
    }
}

fn help(ctx: StatementContext<'_>, command: &str, table: Option<&RelationName>) -> String {
    let name = table.map_or_else(|| "<table>".to_string(), RelationName::to_sql);
    if command == "CLUSTER" {
        let index = match ctx.node() {
            NodeEnum::ClusterStmt(stmt) if !stmt.indexname.is_empty() => Some(quote_ident(&stmt.indexname)),
            _ => None,
        };
        let record = index.map_or_else(String::new, |index| {
            format!("\n  ALTER TABLE {name} CLUSTER ON {index};   records the order, no rewrite")
        });
        return format!(
            "take it out of the migration and reorder the table online, locking it only briefly at the start and the end:{record}\n  pg_repack --table={name}   run outside the migration; orders by the clustering index (pg_squeeze can too)"
        );
    }
    let vacuum = table.map_or_else(
        || "VACUUM (ANALYZE);".to_string(),
        |t| format!("VACUUM (ANALYZE) {};", t.to_sql()),
    );
    format!(
        "a plain VACUUM makes dead space reusable while reads and writes continue:\n  {vacuum}\nto give the space back to the operating system, rebuild the table online outside the migration with pg_repack (pg_repack --no-order --table={name}) or pg_squeeze, which lock it only briefly"
    )
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_vacuum_full_and_cluster() {
        assert_eq!(
            findings("vacuum-full-or-cluster", "VACUUM (FULL, ANALYZE) a, b;").len(),
            2
        );
        assert_eq!(findings("vacuum-full-or-cluster", "CLUSTER t USING t_a;").len(), 1);
        assert_eq!(findings("vacuum-full-or-cluster", "VACUUM FULL;").len(), 1);
    }

    #[test]
    fn plain_vacuum_or_new_table_is_fine() {
        assert!(findings("vacuum-full-or-cluster", "VACUUM (ANALYZE) t;").is_empty());
        assert!(findings("vacuum-full-or-cluster", "VACUUM;").is_empty());
        assert!(findings(
            "vacuum-full-or-cluster",
            "CREATE TABLE t (id bigint);\nCLUSTER t USING t_pkey;"
        )
        .is_empty());
    }
}
