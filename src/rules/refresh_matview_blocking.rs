//! `refresh-matview-blocking`: `REFRESH MATERIALIZED VIEW` without
//! `CONCURRENTLY` locks the view against reads for the whole refresh.

use pg_query::NodeEnum;

use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;

crate::rule::declare_rule!(RefreshMatviewBlocking, id: "refresh-matview-blocking", category: Locking, severity: Error, since: "0.1.0");

impl Rule for RefreshMatviewBlocking {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::RefreshMatViewStmt(stmt) = ctx.node() else {
            return;
        };
        let Some(rv) = stmt.relation.as_ref().filter(|_| !stmt.concurrent) else {
            return;
        };
        let view = RelationName::from_range_var(rv);
        let Some(lock) = ctx.lock_on_existing(&view) else {
            return;
        };
        let name = view.to_sql();
        let (message, help) = if stmt.skip_data {
            (
                format!("materialized view {view} emptied WITH NO DATA"),
                format!(
                    "queries of {view} fail until it is refreshed again; to replace its contents instead, refresh it while reads continue:\n  REFRESH MATERIALIZED VIEW CONCURRENTLY {name};"
                ),
            )
        } else {
            (
                format!("materialized view {view} refreshed without CONCURRENTLY"),
                format!(
                    "refresh it while reads of the view continue:\n  REFRESH MATERIALIZED VIEW CONCURRENTLY {name};\nCONCURRENTLY needs a UNIQUE index on plain columns of the view, covering all rows; create one first if it is missing:\n  CREATE UNIQUE INDEX CONCURRENTLY ON {name} (<key columns>);"
                ),
            )
        };
        out.push(
            Finding::new(ctx.clause(&["refresh", "materialized", "view"]), message)
                .label(
                    ctx.name_at(rv.location),
                    format!("{} until the refresh ends", lock.describe()),
                )
                .help(help)
                .lock(&lock.relation, lock.mode),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_plain_refresh() {
        assert_eq!(
            findings("refresh-matview-blocking", "REFRESH MATERIALIZED VIEW mv;").len(),
            1
        );
        assert_eq!(
            findings("refresh-matview-blocking", "REFRESH MATERIALIZED VIEW mv WITH NO DATA;").len(),
            1
        );
    }

    #[test]
    fn concurrently_or_new_view_is_fine() {
        assert!(findings("refresh-matview-blocking", "REFRESH MATERIALIZED VIEW CONCURRENTLY mv;").is_empty());
        assert!(findings(
            "refresh-matview-blocking",
            "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;\nREFRESH MATERIALIZED VIEW mv;"
        )
        .is_empty());
    }
}
