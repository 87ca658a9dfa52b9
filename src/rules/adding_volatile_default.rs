//! `adding-volatile-default`: `ADD COLUMN` whose value must be computed for
//! every existing row (a volatile default, a serial, an identity or a stored
//! generated column) rewrites the table while reads and writes wait.

use pg_query::protobuf::{ColumnDef, ConstrType, Constraint};

use crate::analysis::facts::add_column_rewrites;
use crate::analysis::names::quote_ident;
use crate::analysis::types;
use crate::analysis::volatility::{first_volatile_call, VolatileCall};
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::rule::Rule;
use crate::rules::alter_table::{Action, AlterTable};
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(AddingVolatileDefault, id: "adding-volatile-default", category: Rewrite, severity: Error, since: "0.1.0");

impl Rule for AddingVolatileDefault {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let (table, lock) = (&alter.relation, alter.lock);
        for (action, col) in alter.added_columns() {
            if !add_column_rewrites(col, ctx.pg_version()) {
                continue;
            }
            let added = AddedColumn::new(ctx, action, col);
            let Some(cause) = added.cause(ctx) else {
                continue;
            };
            let column = &col.colname;
            let message = match &cause {
                Cause::Serial { type_name, .. } => {
                    format!("column \"{column}\" added to {table} as {type_name}, rewriting the table to number every row")
                }
                Cause::Identity { .. } => {
                    format!("identity column \"{column}\" added to {table}, rewriting the table to number every row")
                }
                Cause::Stored { .. } => format!(
                    "stored generated column \"{column}\" added to {table}, rewriting the table to compute it for every row"
                ),
                Cause::Default { call: None, .. } => format!(
                    "column \"{column}\" added to {table} with a DEFAULT, which rewrites the table before PostgreSQL 11"
                ),
                Cause::Default { call: Some(call), .. } if call.builtin => format!(
                    "column \"{column}\" added to {table} with a default calling volatile {}(), rewriting the table",
                    call.function
                ),
                Cause::Default { call: Some(call), .. } => format!(
                    "column \"{column}\" added to {table} with a default calling {}(), which miglint takes as volatile, rewriting the table",
                    call.function
                ),
            };
            let mut finding = Finding::new(cause.span(), message)
                .about_column(column)
                .label(alter.name_span(), format!("{} until the rewrite ends", lock.describe()));
            if let Cause::Default { call: Some(call), .. } = &cause {
                let why = if call.builtin {
                    format!(
                        "{}() is VOLATILE: PostgreSQL evaluates it for every existing row",
                        call.function
                    )
                } else {
                    format!(
                        "{} is not a built-in function: like PostgreSQL, which makes functions VOLATILE unless declared otherwise, miglint assumes it is volatile",
                        call.function
                    )
                };
                finding = finding.label(ctx.name_at(call.location), why);
            }
            out.push(
                finding
                    .help(added.help(ctx, table, &cause))
                    .lock(&lock.relation, lock.mode),
            );
        }
    }
}

/// Why adding the column rewrites the table, and the clause that says so.
enum Cause {
    Serial {
        span: Span,
        type_name: String,
        int_type: &'static str,
    },
    Identity {
        span: Span,
        always: bool,
    },
    Stored {
        span: Span,
        expr: String,
    },
    /// `call` is None before PostgreSQL 11, where any default rewrites.
    Default {
        span: Span,
        expr: String,
        call: Option<VolatileCall>,
    },
}

impl Cause {
    fn span(&self) -> Span {
        match self {
            Cause::Serial { span, .. }
            | Cause::Identity { span, .. }
            | Cause::Stored { span, .. }
            | Cause::Default { span, .. } => *span,
        }
    }
}

/// The `ADD COLUMN` action with the spans of its type and constraints.
struct AddedColumn<'c> {
    col: &'c ColumnDef,
    action: Span,
    type_span: Option<Span>,
    constraints: Vec<(&'c Constraint, Span)>,
}

impl<'c> AddedColumn<'c> {
    fn new(ctx: StatementContext<'_>, action: Action<'_>, col: &'c ColumnDef) -> Self {
        let constraints = ctx.column_constraints_with_spans(action.n, col);
        let type_span = col
            .type_name
            .as_ref()
            .map(|t| ctx.word_at(t.location))
            .filter(|s| *s != ctx.span());
        AddedColumn {
            col,
            action: action.span(),
            type_span,
            constraints,
        }
    }

    fn cause(&self, ctx: StatementContext<'_>) -> Option<Cause> {
        if let Some(type_name) = self.col.type_name.as_ref().filter(|t| types::is_serial(t)) {
            let int_type = match types::base_name(type_name) {
                "smallserial" | "serial2" => "smallint",
                "serial" | "serial4" => "integer",
                _ => "bigint",
            };
            return Some(Cause::Serial {
                span: self.type_span.unwrap_or(self.action),
                type_name: types::base_name(type_name).to_string(),
                int_type,
            });
        }
        self.constraints.iter().find_map(|(con, span)| {
            let span = *span;
            match ConstrType::try_from(con.contype).ok()? {
                ConstrType::ConstrIdentity => Some(Cause::Identity {
                    span,
                    always: con.generated_when == "a",
                }),
                ConstrType::ConstrGenerated if con.generated_kind != "v" => Some(Cause::Stored {
                    span,
                    expr: parenthesized_after(ctx, span, "as").unwrap_or_else(|| "...".to_string()),
                }),
                ConstrType::ConstrDefault => {
                    let expr = con.raw_expr.as_ref().and_then(|e| e.node.as_ref())?;
                    let call = first_volatile_call(expr);
                    if call.is_none() && ctx.pg_version() >= 11 {
                        return None;
                    }
                    let text = words_after(ctx, span, "default");
                    Some(Cause::Default { span, expr: text, call })
                }
                _ => None,
            }
        })
    }

    /// The kinds of constraint that must leave the plain `ADD COLUMN`.
    fn removed(&self, kinds: &[ConstrType]) -> Vec<Span> {
        self.constraints
            .iter()
            .filter(|(con, _)| kinds.iter().any(|k| con.contype == *k as i32))
            .map(|(_, span)| *span)
            .collect()
    }

    fn has(&self, kinds: &[ConstrType]) -> bool {
        !self.removed(kinds).is_empty()
    }

    fn help(&self, ctx: StatementContext<'_>, table: &RelationName, cause: &Cause) -> String {
        use ConstrType::*;
        let t = table.to_sql();
        let c = quote_ident(&self.col.colname);
        let mut cut = self.removed(&[
            ConstrDefault,
            ConstrIdentity,
            ConstrGenerated,
            ConstrNotnull,
            ConstrPrimary,
            ConstrUnique,
        ]);
        let plain = match cause {
            Cause::Serial { int_type, .. } => {
                let type_span = cause.span();
                cut.push(type_span);
                let before = ctx.text_without(Span::new(self.action.start, type_span.start), &cut);
                let after = ctx.text_without(Span::new(type_span.end, self.action.end), &cut);
                format!("{before} {int_type} {after}").trim_end().to_string()
            }
            _ => ctx.text_without(self.action, &cut),
        };
        let mut steps = vec![format!("ALTER TABLE {t} {plain};")];
        match cause {
            Cause::Default { expr, .. } => {
                steps.push(format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {expr};\n     (for new rows only: a brief lock, no rewrite)"
                ));
                steps.push(backfill(&t, &c, expr));
            }
            Cause::Serial { .. } | Cause::Identity { .. } => {
                let seq = RelationName::new(
                    table.schema.as_deref(),
                    &format!("{}_{}_seq", table.name, self.col.colname),
                );
                let seq_literal = format!("'{}'", seq.to_sql().replace('\'', "''"));
                let as_type = match cause {
                    Cause::Serial { int_type, .. } => int_type.to_string(),
                    _ => self
                        .type_span
                        .map(|s| ctx.text_without(s, &[]))
                        .unwrap_or_else(|| "bigint".to_string()),
                };
                steps.push(format!(
                    "CREATE SEQUENCE {} AS {as_type} OWNED BY {t}.{c};",
                    seq.to_sql()
                ));
                steps.push(format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT nextval({seq_literal});\n     (for new rows only: a brief lock, no rewrite)"
                ));
                steps.push(backfill(&t, &c, &format!("nextval({seq_literal})")));
                if let Cause::Identity { always, .. } = cause {
                    steps.push("make it NOT NULL without a long scan (see setting-not-null)".to_string());
                    let kind = if *always { "ALWAYS" } else { "BY DEFAULT" };
                    steps.push(format!(
                        "in one transaction: ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT;\n     \
                         ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED {kind} AS IDENTITY (START WITH <max({c}) + 1>);\n     \
                         DROP SEQUENCE {};",
                        seq.to_sql()
                    ));
                }
            }
            Cause::Stored { expr, .. } => {
                steps.push(format!(
                    "a BEFORE INSERT OR UPDATE trigger on {t} sets NEW.{c} to ({expr}) computed from NEW"
                ));
                steps.push(backfill(&t, &c, &format!("({expr})")));
            }
        }
        let identity = matches!(cause, Cause::Identity { .. });
        if !identity && (self.has(&[ConstrNotnull, ConstrPrimary]) || matches!(cause, Cause::Serial { .. })) {
            steps.push("if it must be NOT NULL, add that without a long scan (see setting-not-null)".to_string());
        }
        if self.has(&[ConstrPrimary, ConstrUnique]) {
            steps.push(
                "add its PRIMARY KEY or UNIQUE constraint from an index built CONCURRENTLY (see unique-without-index)"
                    .to_string(),
            );
        }
        let intro = match cause {
            Cause::Default { call: None, .. } => "before PostgreSQL 11 any DEFAULT rewrites the table: add the column without it, then fill it in batches:",
            Cause::Default { .. } => "add the column without the volatile default, then fill it in batches:",
            Cause::Serial { .. } => "add a plain integer column and fill it from a sequence in batches:",
            Cause::Identity { .. } => "add a plain column, fill it from a sequence in batches, then make it an identity column:",
            Cause::Stored { .. } => "add a plain column and compute it in batches:",
        };
        let mut text = numbered_steps(intro, &steps);
        if let (Cause::Stored { expr, .. }, true) = (cause, ctx.pg_version() >= 18) {
            let type_text = self.type_span.map(|s| ctx.text_without(s, &[])).unwrap_or_default();
            text.push_str(&format!(
                "\nor, if it need not be indexed, a VIRTUAL generated column is computed when read and needs no rewrite:\n  \
                 ALTER TABLE {t} ADD COLUMN {c} {type_text} GENERATED ALWAYS AS ({expr}) VIRTUAL;"
            ));
        }
        text
    }
}

fn backfill(table: &str, column: &str, value: &str) -> String {
    format!(
        "backfill existing rows in batches, each in its own transaction:\n     \
         UPDATE {table} SET {column} = {value} WHERE {column} IS NULL AND <next batch of keys>;"
    )
}

/// The text after the first `word` token inside `span`.
fn words_after(ctx: StatementContext<'_>, span: Span, word: &str) -> String {
    let tokens = ctx.tokens_in(span);
    let start = tokens.iter().find(|t| t.is(word)).map_or(span.start, |t| t.span.end);
    ctx.text_without(Span::new(start.min(span.end), span.end), &[])
}

/// The text inside the parentheses that follow `word` inside `span`:
/// `expr` of `GENERATED ALWAYS AS (expr) STORED`.
fn parenthesized_after(ctx: StatementContext<'_>, span: Span, word: &str) -> Option<String> {
    let tokens = ctx.tokens_in(span);
    let at = tokens.iter().position(|t| t.is(word))?;
    let open = tokens.get(at + 1).filter(|t| t.is("("))?;
    let mut depth = 0i32;
    for t in &tokens[at + 1..] {
        match t.word.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return Some(ctx.text_without(Span::new(open.span.end, t.span.start), &[]));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    #[test]
    fn flags_volatile_defaults_serials_identity_and_stored_columns() {
        assert_eq!(
            findings(
                "adding-volatile-default",
                "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();"
            ),
            ["column \"c\" added to \"t\" with a default calling volatile clock_timestamp(), rewriting the table"]
        );
        let sql = "ALTER TABLE t ADD COLUMN s bigserial, ADD COLUMN i bigint GENERATED ALWAYS AS IDENTITY, ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED, ADD COLUMN u uuid DEFAULT uuid_generate_v4();";
        assert_eq!(findings("adding-volatile-default", sql).len(), 4);
    }

    #[test]
    fn stable_defaults_virtual_columns_and_new_tables_are_fine() {
        let sql = "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now(), ADD COLUMN v int GENERATED ALWAYS AS (a * 2) VIRTUAL;\nCREATE TABLE n (a int);\nALTER TABLE n ADD COLUMN s bigserial;";
        assert!(findings("adding-volatile-default", sql).is_empty());
    }

    #[test]
    fn any_default_rewrites_before_11() {
        let found = findings_with(
            "adding-volatile-default",
            "ALTER TABLE t ADD COLUMN c int DEFAULT 0;",
            &Settings::new(10),
        );
        assert_eq!(
            found,
            ["column \"c\" added to \"t\" with a DEFAULT, which rewrites the table before PostgreSQL 11"]
        );
    }
}
