//! `require-concurrent-reindex`: `REINDEX` without `CONCURRENTLY` blocks
//! writes to the table and every query that plans on the rebuilt indexes.

use pg_query::protobuf::ReindexObjectType;
use pg_query::NodeEnum;

use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::parse::ast::has_option;
use crate::rule::Rule;
use crate::rules::recipe;

crate::rule::declare_rule!(RequireConcurrentReindex, id: "require-concurrent-reindex", category: Locking, severity: Error, since: "0.1.0");

impl Rule for RequireConcurrentReindex {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::ReindexStmt(stmt) = ctx.node() else {
            return;
        };
        if has_option(&stmt.params, "concurrently") {
            return;
        }
        let facts = ctx.facts();
        let kind = ReindexObjectType::try_from(stmt.kind).unwrap_or(ReindexObjectType::Undefined);
        let (keyword, what) = match kind {
            ReindexObjectType::ReindexObjectIndex => ("index", "index"),
            ReindexObjectType::ReindexObjectTable => ("table", "indexes of table"),
            ReindexObjectType::ReindexObjectSchema => ("schema", "indexes of schema"),
            ReindexObjectType::ReindexObjectDatabase => ("database", "indexes of the database"),
            // System catalogs have no concurrent rebuild to recommend.
            _ => return,
        };
        // The relation the statement names, unless the file created it.
        let named = stmt.relation.as_ref().map(RelationName::from_range_var);
        if named.as_ref().is_some_and(|r| ctx.is_new(r)) {
            return;
        }
        let named_lock = named
            .as_ref()
            .and_then(|r| facts.locks.iter().find(|l| l.relation.same_as(r)));
        let scoped: Vec<String> = facts.scoped_locks.iter().map(|l| l.describe()).collect();
        if named_lock.is_none() && scoped.is_empty() {
            return;
        }
        let subject = match (&named, kind) {
            (Some(r), _) => format!("{what} {r}"),
            (None, ReindexObjectType::ReindexObjectSchema) => format!("{what} \"{}\"", stmt.name),
            (None, _) => what.to_string(),
        };
        // The named relation's lock on its name, the others on the keyword
        // (`SCHEMA app`: tables on the keyword, indexes on the name).
        let keyword_span = ctx.clause(&[keyword]);
        let name_span = match &stmt.relation {
            Some(rv) => Some(ctx.name_at(rv.location)),
            None => ctx
                .tokens()
                .iter()
                .skip_while(|t| !t.is(keyword))
                .nth(1)
                .map(|t| t.span),
        };
        let mut labels: Vec<(crate::input::source::Span, String)> = Vec::new();
        if let (Some(lock), Some(span)) = (named_lock, name_span) {
            labels.push((span, lock.describe()));
        }
        for (i, text) in scoped.into_iter().enumerate() {
            let span = match name_span {
                Some(span) if i > 0 && named_lock.is_none() => span,
                _ => keyword_span,
            };
            labels.push((span, text));
        }
        let mut finding = Finding::new(
            ctx.clause(&["reindex"]),
            format!("{subject} rebuilt without CONCURRENTLY"),
        )
        .help(help(ctx, kind, keyword, named.as_ref()))
        .fix(
            (ctx.pg_version() >= 12)
                .then(|| recipe::concurrently_fix(ctx, keyword, "rebuild with CONCURRENTLY"))
                .flatten(),
        );
        for (span, text) in labels {
            finding = finding.label(span, format!("{text} until the rebuild ends"));
        }
        if let Some(lock) = named_lock {
            finding = finding.lock(&lock.relation, lock.mode);
        }
        out.push(finding);
    }
}

fn help(ctx: StatementContext<'_>, kind: ReindexObjectType, keyword: &str, named: Option<&RelationName>) -> String {
    if ctx.pg_version() >= 12 {
        let mut help = format!(
            "rebuild without blocking reads or writes, outside a transaction block:\n  {}\nif it fails it leaves an INVALID index ending in _ccnew: drop it with DROP INDEX CONCURRENTLY and run the statement again",
            recipe::insert_after_word(ctx, keyword, "CONCURRENTLY")
        );
        if let Some(note) = recipe::outside_transaction_note(ctx) {
            help.push('\n');
            help.push_str(&note);
        }
        if matches!(
            kind,
            ReindexObjectType::ReindexObjectSchema | ReindexObjectType::ReindexObjectDatabase
        ) {
            help.push_str("\nsystem catalogs are skipped by CONCURRENTLY");
        }
        return help;
    }
    let version = ctx.pg_version();
    let (old, create, new, rename_to, table, scope) = match (kind, named) {
        (ReindexObjectType::ReindexObjectIndex, Some(index)) => {
            // CREATE INDEX takes a bare name: the index lands in its table's schema.
            let bare_new = format!("{}_new", index.name);
            let new = RelationName::new(index.schema.as_deref(), &bare_new);
            let (old, rename_to) = (index.to_sql(), quote_ident(&index.name));
            (
                old,
                quote_ident(&bare_new),
                new.to_sql(),
                rename_to,
                "<table>".to_string(),
                String::new(),
            )
        }
        (ReindexObjectType::ReindexObjectTable, Some(table)) => {
            let (i, n) = ("<index>".to_string(), "<index>_new".to_string());
            (
                i.clone(),
                n.clone(),
                n,
                i,
                table.to_sql(),
                format!(" for each index of {}", table.to_sql()),
            )
        }
        _ => {
            let (i, n) = ("<index>".to_string(), "<index>_new".to_string());
            (
                i.clone(),
                n.clone(),
                n,
                i,
                "<table>".to_string(),
                " for each index".to_string(),
            )
        }
    };
    let definition = if old.starts_with('<') {
        "its columns and options".to_string()
    } else {
        format!("columns and options of {old}")
    };
    let steps = recipe::numbered_steps(
        &format!(
            "REINDEX CONCURRENTLY needs PostgreSQL 12 (configured: {version}); build a replacement{scope} instead, outside a transaction block:"
        ),
        &[
            format!("CREATE INDEX CONCURRENTLY {create} ON {table} (<{definition}>);"),
            format!("DROP INDEX CONCURRENTLY {old};"),
            format!("ALTER INDEX {new} RENAME TO {rename_to};"),
        ],
    );
    format!(
        "{steps}\nan index behind a PRIMARY KEY or UNIQUE constraint cannot be dropped this way: swap the constraint to the new index with ALTER TABLE ... ADD CONSTRAINT ... USING INDEX"
    )
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    #[test]
    fn flags_every_blocking_form() {
        for sql in [
            "REINDEX INDEX i;",
            "REINDEX TABLE t;",
            "REINDEX SCHEMA app;",
            "REINDEX DATABASE app;",
        ] {
            assert_eq!(findings("require-concurrent-reindex", sql).len(), 1, "{sql}");
        }
        assert_eq!(
            findings_with("require-concurrent-reindex", "REINDEX INDEX i;", &Settings::new(11)).len(),
            1
        );
    }

    #[test]
    fn concurrently_or_new_relation_is_fine() {
        assert!(findings("require-concurrent-reindex", "REINDEX INDEX CONCURRENTLY i;").is_empty());
        assert!(findings("require-concurrent-reindex", "REINDEX (CONCURRENTLY) TABLE t;").is_empty());
        assert!(findings(
            "require-concurrent-reindex",
            "CREATE TABLE t (id bigint);\nREINDEX TABLE t;"
        )
        .is_empty());
    }
}
