//! `constraint-missing-not-valid`: a `CHECK` or `FOREIGN KEY` added to an
//! existing table without `NOT VALID` checks every row while the lock is held.

use pg_query::protobuf::{AlterTableType, ConstrType, Constraint, RangeVar};
use pg_query::NodeEnum;

use crate::analysis::catalog::{column_check_name, column_foreign_key_name, first_free, table_constraint_name};
use crate::analysis::facts::{inline_foreign_keys_validated, lock_of_sql, VALIDATE_FOREIGN_KEY_REFERENCED_LOCK};
use crate::analysis::names::quote_ident;
use crate::analysis::{LockMode, RelationLock, RelationName, StatementContext};
use crate::diagnostic::{Applicability, Edit, Finding, Fix, NewFile};
use crate::input::layout::{RunnerTransaction, Tool};
use crate::input::source::Span;
use crate::parse::ast::{column_constraints_enforced, is_foreign_key};
use crate::rule::Rule;
use crate::rules::alter_table::{Action, AlterTable};
use crate::rules::recipe::{
    after_semicolon, constraint_name_in_message, numbered_steps, partition_names, per_partition, validate_constraint,
};

crate::rule::declare_rule!(ConstraintMissingNotValid, id: "constraint-missing-not-valid", category: Locking, severity: Error, since: "0.1.0");

impl Rule for ConstraintMissingNotValid {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let check = Check {
            ctx,
            table_name: alter.name_span(),
            table: &alter.relation,
            lock: alter.lock,
        };
        let inline_fks_validated = inline_foreign_keys_validated(&alter.stmt.cmds);
        for action in alter.actions() {
            if action.is(AlterTableType::AtAddConstraint) {
                if let Some(con) = action
                    .added_constraint()
                    .filter(|c| validates(c) && !ctx.facts().adopted_constraints.contains(&action.n))
                {
                    out.push(check.table_constraint(action, con));
                }
            } else if let Some(col) = action.added_column() {
                let enforced = column_constraints_enforced(col);
                let all: Vec<Inline> = ctx
                    .column_constraints_with_spans(action.n, col)
                    .into_iter()
                    .zip(enforced)
                    .map(|((con, span), enforced)| Inline {
                        con,
                        span,
                        flagged: enforced
                            && !con.skip_validation
                            && (con.contype == ConstrType::ConstrCheck as i32
                                || (is_foreign_key(con) && inline_fks_validated)),
                    })
                    .collect();
                for inline in all.iter().filter(|c| c.flagged) {
                    out.push(check.column_constraint(action, &col.colname, inline.con, inline.span, &all));
                }
            }
        }
    }
}

/// A constraint written on an added column, and whether it is validated.
struct Inline<'c> {
    con: &'c Constraint,
    span: Span,
    flagged: bool,
}

/// A CHECK or FOREIGN KEY that PostgreSQL validates when it is added.
fn validates(con: &Constraint) -> bool {
    (con.contype == ConstrType::ConstrCheck as i32 || is_foreign_key(con)) && !con.skip_validation
}

struct Check<'a> {
    ctx: StatementContext<'a>,
    /// The table's name as written, where the lock is labelled.
    table_name: Span,
    table: &'a RelationName,
    lock: &'a RelationLock,
}

impl Check<'_> {
    /// `ALTER TABLE t ADD [CONSTRAINT name] CHECK (...) | FOREIGN KEY ...`
    fn table_constraint(&self, action: Action<'_>, con: &Constraint) -> Finding {
        let ctx = self.ctx;
        let t = self.table.to_sql();
        let span = action.span();
        let name = constraint_name(ctx, self.table, con, None);
        // The constraint as written, from its first word to the end of the action.
        let written = ctx
            .statement()
            .offset_of(con.location)
            .filter(|&at| at >= span.start && at < span.end)
            .map_or_else(
                || ctx.text_without(span, &[]),
                |at| ctx.text_without(Span::new(at, span.end), &[]),
            );
        let definition = if con.conname.is_empty() {
            format!("CONSTRAINT {} {written}", quote_ident(&name))
        } else {
            written
        };
        let add = format!("ALTER TABLE {t} ADD {definition} NOT VALID;");
        let named = constraint_name_in_message(&con.conname);
        if is_foreign_key(con) {
            let referenced = con.pktable.as_ref();
            let message = format!(
                "foreign key{named} on {} validated against every row while {} locked",
                self.table,
                self.both(referenced)
            );
            let body = foreign_key_clause(&definition);
            self.finding(span, message, referenced)
                .help(self.foreign_key_help(&add, body, &name, referenced))
                .fix(self.not_valid_fix(action, con, &name))
        } else {
            let message = format!(
                "check constraint{named} on {} validated against every row while the table is locked",
                self.table
            );
            self.finding(span, message, None)
                .help(check_help(&t, &add, &name, self.ctx.pg_version()))
                .fix(self.not_valid_fix(action, con, &name))
        }
    }

    /// A `CHECK` or `REFERENCES` written on a column that `ADD COLUMN` adds.
    fn column_constraint(
        &self,
        action: Action<'_>,
        column: &str,
        con: &Constraint,
        span: Span,
        all: &[Inline<'_>],
    ) -> Finding {
        let ctx = self.ctx;
        let t = self.table.to_sql();
        let c = quote_ident(column);
        let name = constraint_name(ctx, self.table, con, Some(column));
        // The column without its validated constraints, then each one added NOT VALID.
        let moved: Vec<Span> = all.iter().filter(|c| c.flagged).map(|c| c.span).collect();
        let plain = ctx.text_without(action.span(), &moved);
        let tokens = ctx.tokens_in(span);
        let keyword = if is_foreign_key(con) { "references" } else { "check" };
        let body = tokens.iter().find(|t| t.is(keyword)).map_or_else(
            || ctx.text_without(span, &[]),
            |k| ctx.text_without(Span::new(k.span.start, span.end), &[]),
        );
        let definition = if is_foreign_key(con) {
            format!("FOREIGN KEY ({c}) {body}")
        } else {
            body
        };
        let add = format!(
            "ALTER TABLE {t} ADD CONSTRAINT {} {definition} NOT VALID;",
            quote_ident(&name)
        );
        let first = format!("ALTER TABLE {t} {plain};");
        if is_foreign_key(con) {
            let referenced = con.pktable.as_ref();
            let message = format!(
                "foreign key on new column \"{column}\" of {} validated against every row while {} locked",
                self.table,
                self.both(referenced)
            );
            let mut finding = self.finding(span, message, referenced);
            if let Some(default) = all.iter().find(|c| {
                matches!(
                    ConstrType::try_from(c.con.contype),
                    Ok(ConstrType::ConstrDefault | ConstrType::ConstrGenerated)
                )
            }) {
                finding = finding.label(
                    default.span,
                    "with a default every existing row gets a value, so PostgreSQL checks each one against the referenced table",
                );
            }
            finding.help(format!(
                "first {first}\nthen {}",
                self.foreign_key_help(&add, &definition, &name, referenced)
            ))
        } else {
            let message = format!(
                "check constraint on new column \"{column}\" of {} validated against every row while the table is locked",
                self.table
            );
            self.finding(span, message, None).help(format!(
                "first {first}\nthen {}",
                check_help(&t, &add, &name, self.ctx.pg_version())
            ))
        }
    }

    /// `NOT VALID` at the end of the constraint (named, when it was not, as
    /// the help names it), and `VALIDATE CONSTRAINT` in a transaction of its
    /// own: the next statement of the file for an `ALTER TABLE` of this one
    /// action that runs in autocommit; the next migration, a new file, when
    /// the runner wraps the file in a transaction (which would hold the
    /// ADD's lock through the validation). A partitioned table before
    /// PostgreSQL 18 refuses a NOT VALID foreign key.
    fn not_valid_fix(&self, action: Action<'_>, con: &Constraint, name: &str) -> Option<Fix> {
        let ctx = self.ctx;
        let NodeEnum::AlterTableStmt(stmt) = ctx.node() else {
            return None;
        };
        let script = ctx.file.script;
        let partitioned_key = is_foreign_key(con) && ctx.facts().partition_leaves.is_some() && ctx.pg_version() < 18;
        if ctx.embedding().is_some() || ctx.transaction().is_some() || stmt.cmds.len() != 1 || partitioned_key {
            return None;
        }
        let validate = validate_constraint(&self.table.to_sql(), &quote_ident(name));
        let autocommit = !ctx.in_transaction() && script.transaction == RunnerTransaction::None;
        if !autocommit {
            let mut edits = vec![Edit::insert(action.span().end, " NOT VALID")];
            edits.extend(self.name_edit(action, con, name)?);
            let mut fix = Fix::new(
                "add it NOT VALID, then VALIDATE it in the next migration",
                Applicability::Safe,
                edits,
            );
            fix.new_file = Some(next_migration(script, &ctx.file.source.path, name, &validate)?);
            return Some(fix);
        }
        let span = action.span();
        let mut edits = vec![Edit::insert(span.end, " NOT VALID")];
        edits.extend(self.name_edit(action, con, name)?);
        // Right after the statement's semicolon.
        let text = &ctx.file.source.text;
        let end = after_semicolon(text, ctx.span().end)?;
        if span.end == end {
            return None;
        }
        edits.push(Edit::insert(end, format!("\n{validate}")));
        Some(Fix::new(
            "add it NOT VALID, then VALIDATE it in a transaction of its own",
            Applicability::Safe,
            edits,
        ))
    }

    /// `CONSTRAINT <name> ` before an unnamed constraint, so that the
    /// VALIDATE can name it (Some(None) for a named one; None when its
    /// place is not found).
    fn name_edit(&self, action: Action<'_>, con: &Constraint, name: &str) -> Option<Option<Edit>> {
        if !con.conname.is_empty() {
            return Some(None);
        }
        let span = action.span();
        let at = self
            .ctx
            .statement()
            .offset_of(con.location)
            .filter(|&at| at >= span.start && at < span.end)?;
        Some(Some(Edit::insert(at, format!("CONSTRAINT {} ", quote_ident(name)))))
    }

    fn finding(&self, span: Span, message: String, referenced: Option<&RangeVar>) -> Finding {
        let ctx = self.ctx;
        let mut finding = Finding::new(span, message).label(
            self.table_name,
            format!("{} until every row is checked", self.lock.describe()),
        );
        if let Some(pk) = referenced {
            let pk_name = RelationName::from_range_var(pk);
            if !pk_name.same_as(self.table) {
                if let Some(pk_lock) = ctx.lock_on_existing(&pk_name) {
                    finding = finding.label(
                        ctx.name_at(pk.location),
                        format!("{} until every row is checked", pk_lock.describe()),
                    );
                }
            }
        }
        finding.lock(&self.lock.relation, self.lock.mode)
    }

    /// `"orders" and "customers" are` or `"orders" is`.
    fn both(&self, referenced: Option<&RangeVar>) -> String {
        match referenced.map(RelationName::from_range_var) {
            Some(pk) if !pk.same_as(self.table) => format!("{} and {pk} are", self.table),
            _ => format!("{} is", self.table),
        }
    }

    /// `add` is the statement adding the key NOT VALID, `body` its
    /// `FOREIGN KEY (...) REFERENCES ...`.
    fn foreign_key_help(&self, add: &str, body: &str, name: &str, referenced: Option<&RangeVar>) -> String {
        if let Some(leaves) = self
            .ctx
            .facts()
            .partition_leaves
            .as_deref()
            .filter(|_| self.ctx.pg_version() < 18)
        {
            let leaves: Vec<RelationName> = leaves.iter().map(|r| r.name.clone()).collect();
            return self.partitioned_foreign_key_help(body, name, referenced, &leaves);
        }
        let t = self.table.to_sql();
        let table = self.table;
        let validate = validate_constraint(&t, &quote_ident(name));
        let version = self.ctx.pg_version();
        let (adding, checking) = (lock_of_sql(add, version), lock_of_sql(&validate, version));
        let on = |mode: Option<LockMode>, relations: String| match mode {
            Some(mode) => format!("{mode} on {relations}"),
            None => format!("locks {relations}"),
        };
        let (briefly, validating) = match referenced.map(RelationName::from_range_var) {
            Some(pk) if !pk.same_as(table) => (
                on(adding, format!("{table} and {pk}")),
                // The VALIDATE names only the table: what its check reads
                // on the referenced table is stated here.
                format!(
                    "{} and {} on {pk}",
                    on(checking, table.to_string()),
                    VALIDATE_FOREIGN_KEY_REFERENCED_LOCK
                ),
            ),
            _ => (on(adding, table.to_string()), on(checking, table.to_string())),
        };
        numbered_steps(
            "add the foreign key without checking existing rows, then validate it without blocking:",
            &[
                format!("{add}\n     ({briefly} only briefly; new and changed rows are checked from now on)"),
                format!(
                    "in a separate transaction: {validate}\n     ({validating}: reads and writes continue during the check)"
                ),
            ],
        )
    }
}

impl Check<'_> {
    /// Before PostgreSQL 18 a partitioned table refuses `NOT VALID` foreign
    /// keys. Each partition takes one NOT VALID and validates it; the
    /// parent's key then adopts the partitions' validated keys and checks no
    /// row (observed on PostgreSQL 15).
    fn partitioned_foreign_key_help(
        &self,
        body: &str,
        name: &str,
        referenced: Option<&RangeVar>,
        leaves: &[RelationName],
    ) -> String {
        let t = self.table.to_sql();
        let table = self.table;
        let partitions = partition_names(table, name, leaves);
        // Observed on PostgreSQL 15: attaching the partitions' keys takes
        // ACCESS EXCLUSIVE on the referenced table, briefly.
        let also = match referenced.map(RelationName::from_range_var) {
            Some(pk) if !pk.same_as(table) => {
                format!("SHARE ROW EXCLUSIVE on {table} and its partitions and ACCESS EXCLUSIVE on {pk}")
            }
            _ => format!("locks {table} and its partitions"),
        };
        let shown = match leaves.len() {
            0 => "the migrations show none of its partitions".to_string(),
            1 => "the migrations show 1 partition".to_string(),
            n => format!("the migrations show {n} partitions"),
        };
        numbered_steps(
            &format!(
                "PostgreSQL before 18 refuses NOT VALID foreign keys on a partitioned table; add the key to each partition \
                 ({shown}), where it can be validated without blocking, then to {table}, which adopts them:"
            ),
            &[
                per_partition("on each partition (briefly locked, no scan):", &partitions, |p, n| {
                    format!("ALTER TABLE {p} ADD CONSTRAINT {n} {body} NOT VALID;")
                }),
                per_partition(
                    "in separate transactions (reads and writes continue during each check):",
                    &partitions,
                    validate_constraint,
                ),
                format!(
                    "ALTER TABLE {t} ADD CONSTRAINT {} {body};\n     \
                     ({also}, only briefly: each partition's validated key is attached, no row is checked again)",
                    quote_ident(name)
                ),
            ],
        )
    }
}

fn check_help(t: &str, add: &str, name: &str, pg_version: u32) -> String {
    let validate = validate_constraint(t, &quote_ident(name));
    let lock = |sql: &str| lock_of_sql(sql, pg_version).map_or_else(|| "its lock".to_string(), |m| m.to_string());
    numbered_steps(
        "add the constraint without checking existing rows, then validate it without blocking:",
        &[
            format!(
                "{add}\n     ({} only briefly, no scan; new and changed rows are checked from now on)",
                lock(add)
            ),
            format!(
                "in a separate transaction: {validate}\n     ({}: reads and writes continue during the scan)",
                lock(&validate)
            ),
        ],
    )
}

/// `FOREIGN KEY (...) REFERENCES ...` of a constraint's definition, without
/// the `CONSTRAINT name` before it.
fn foreign_key_clause(definition: &str) -> &str {
    let upper = definition.to_ascii_uppercase();
    let mut from = 0;
    while let Some(at) = upper[from..].find("FOREIGN").map(|i| i + from) {
        let after = &upper[at + "FOREIGN".len()..];
        if after.starts_with(char::is_whitespace) && after.trim_start().starts_with("KEY") {
            return &definition[at..];
        }
        from = at + 1;
    }
    definition
}

/// The migration that runs right after the file at `path`, named in its
/// tool's convention with the next version (same width): `<version+1>_
/// validate_<name>.sql`, holding `validate` in the tool's form (goose's
/// `-- +goose Up`, dbmate's `-- migrate:up`). Only for the tools whose
/// versions are integers, where nothing sorts between a version and the
/// next (`check --fix` refuses the file when that version is taken), for a
/// file that is a whole migration (not sqlx's reversible `.up.sql`, which
/// needs a down file too); None for the others (Flyway, Diesel, Atlas, whose
/// `atlas.sum` would need `atlas migrate hash`, Liquibase, Prisma, ...).
fn next_migration(
    script: &crate::input::layout::ScriptInfo,
    path: &str,
    name: &str,
    validate: &str,
) -> Option<NewFile> {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let version = script.version.as_deref()?;
    let rest = file_name.strip_prefix(version)?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) || !rest.starts_with('_') {
        return None;
    }
    let next = version.parse::<u128>().ok()?.checked_add(1)?;
    let next = format!("{next:0width$}", width = version.len());
    let slug: String = crate::parse::template::snake_word(name).collect();
    let (suffix, content) = match script.tool {
        Tool::Sqlx if !rest.ends_with(".up.sql") && !rest.ends_with(".down.sql") => (".sql", format!("{validate}\n")),
        Tool::GolangMigrate if rest.ends_with(".up.sql") => (".up.sql", format!("{validate}\n")),
        Tool::Goose => (".sql", format!("-- +goose Up\n{validate}\n")),
        Tool::Dbmate => (".sql", format!("-- migrate:up\n{validate}\n\n-- migrate:down\n")),
        _ => return None,
    };
    Some(NewFile {
        name: format!("{next}_validate_{slug}{suffix}"),
        content,
    })
}

/// The constraint's name, or the one PostgreSQL would choose:
/// `orders_customer_id_fkey`, `orders_amount_check`, `orders_check`
/// (truncated to 63 bytes), numbered (`orders_amount_check1`) when the
/// table already holds a constraint of that name.
fn constraint_name(ctx: StatementContext<'_>, table: &RelationName, con: &Constraint, column: Option<&str>) -> String {
    let name = match column {
        Some(c) if is_foreign_key(con) => column_foreign_key_name(&table.name, c, con),
        Some(c) => column_check_name(&table.name, c, con),
        None => table_constraint_name(&table.name, con).unwrap_or_else(|| con.conname.clone()),
    };
    if !con.conname.is_empty() {
        return name;
    }
    let before = ctx.relation_before(table);
    first_free(&name, |n| before.is_some_and(|r| r.constraint(n).is_some()))
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_check_and_foreign_key_without_not_valid() {
        assert_eq!(
            findings(
                "constraint-missing-not-valid",
                "ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0);"
            ),
            ["check constraint \"positive\" on \"orders\" validated against every row while the table is locked"]
        );
        assert_eq!(
            findings(
                "constraint-missing-not-valid",
                "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);"
            ),
            ["foreign key on \"orders\" validated against every row while \"orders\" and \"customers\" are locked"]
        );
        assert_eq!(
            findings(
                "constraint-missing-not-valid",
                "ALTER TABLE orders ADD COLUMN customer_id bigint DEFAULT 0 REFERENCES customers;"
            )
            .len(),
            1
        );
    }

    #[test]
    fn unnamed_checks_get_the_name_postgresql_chooses() {
        let help = |sql: &str| -> String {
            crate::report::engine::lint_source(
                crate::input::source::SourceFile::new("m.sql", sql),
                &crate::settings::Settings::default(),
            )
            .diagnostics
            .iter()
            .filter(|d| d.rule == "constraint-missing-not-valid")
            .filter_map(|d| d.help.clone())
            .collect()
        };
        assert!(
            help("ALTER TABLE orders ADD CHECK (flag);").contains("VALIDATE CONSTRAINT orders_flag_check"),
            "the expression is the column"
        );
        let long = format!("ALTER TABLE {} ADD CHECK ({} > 0);", "t".repeat(40), "c".repeat(40));
        // Over 63 bytes the longer part is shortened first, the suffix kept
        // (makeObjectName; the name a PostgreSQL 15 server gave).
        let name = format!("{}_{}_check", "t".repeat(28), "c".repeat(28));
        assert!(
            help(&long).contains(&format!("VALIDATE CONSTRAINT {name};")),
            "{}",
            help(&long)
        );
    }

    #[test]
    fn not_valid_new_tables_and_null_columns_are_fine() {
        let sql = "ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID;\nALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers;\nCREATE TABLE n (a int);\nALTER TABLE n ADD CHECK (a > 0);";
        assert!(findings("constraint-missing-not-valid", sql).is_empty());
    }
}
