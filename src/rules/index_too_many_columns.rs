//! `index-too-many-columns` (off by default): an index on more than three
//! key columns helps only queries that filter on its leading columns, and
//! costs every write and its space all the same.

use pg_query::NodeEnum;

use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::rule::Rule;

crate::rule::declare_rule!(IndexTooManyColumns, id: "index-too-many-columns", category: Style, severity: Warning, since: "0.2.0", enabled_by_default: false);

/// strong_migrations' limit: more key columns than this are reported.
const MAX_COLUMNS: usize = 3;

impl Rule for IndexTooManyColumns {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::IndexStmt(stmt) = ctx.node() else {
            return;
        };
        // A unique index states a rule about the data, not a choice of speed.
        let count = stmt.index_params.len();
        if stmt.unique || count <= MAX_COLUMNS {
            return;
        }
        let Some(rv) = stmt.relation.as_ref() else {
            return;
        };
        let table = RelationName::from_range_var(rv);
        out.push(
            Finding::new(
                column_list(ctx, rv.location),
                format!("index on {table} has {count} key columns: it helps only queries that filter on its leading columns"),
            )
            .help(format!(
                "every insert and every update of an indexed column writes each index, and a wide index takes space and cache; \
                 index the {MAX_COLUMNS} columns queries filter on most (most selective or always used first), \
                 move columns that are only read into INCLUDE (...), or check with EXPLAIN that queries use the later columns"
            )),
        );
    }
}

/// The parenthesised key columns after the table's name, else the statement.
fn column_list(ctx: StatementContext<'_>, table_location: i32) -> Span {
    let name = ctx.name_at(table_location);
    let tokens = ctx.tokens();
    let Some(open) = tokens.iter().position(|t| t.span.start >= name.end && t.word == "(") else {
        return ctx.span();
    };
    let mut depth = 0i32;
    for t in &tokens[open..] {
        match t.word.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return Span::new(tokens[open].span.start, t.span.end);
        }
    }
    ctx.span()
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings_with;

    const ID: &str = "index-too-many-columns";

    fn on(sql: &str) -> Vec<String> {
        let mut settings = crate::settings::Settings::default();
        settings.set_rule(ID, Some(crate::settings::Severity::Warning));
        findings_with(ID, sql, &settings)
    }

    #[test]
    fn flags_indexes_on_more_than_three_columns() {
        assert_eq!(
            on("CREATE INDEX CONCURRENTLY orders_search ON orders USING btree (a, b, lower(c), d) INCLUDE (e);"),
            ["index on \"orders\" has 4 key columns: it helps only queries that filter on its leading columns"]
        );
    }

    #[test]
    fn three_columns_and_unique_indexes_are_fine() {
        assert!(on("CREATE INDEX CONCURRENTLY i ON orders (a, b, c) INCLUDE (d, e);\n\
                    CREATE UNIQUE INDEX CONCURRENTLY u ON orders (a, b, c, d);")
        .is_empty());
        assert!(crate::tests::rules::findings(ID, "CREATE INDEX CONCURRENTLY i ON orders (a, b, c, d);").is_empty());
    }
}
