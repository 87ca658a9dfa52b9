//! `prefer-text`: a length limit written into the type (`varchar(n)`,
//! `char(n)`) can only change with `ALTER COLUMN ... TYPE`; `text` with a
//! `CHECK` constraint says the same and changes without a rewrite.

use crate::analysis::types::{modifiers, Declaration};
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::column_types::{self, ident, Column};
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(PreferText, id: "prefer-text", category: Style, severity: Warning, since: "0.1.0");

impl Rule for PreferText {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        for col in column_types::columns(ctx) {
            let padded = match col.base_name() {
                "varchar" => false,
                "bpchar" => true,
                _ => continue,
            };
            let Some(&limit) = modifiers(col.decl.type_name).first() else {
                if padded {
                    // `bpchar` without a length: no limit, but still padded.
                    out.push(
                        Finding::new(
                            col.type_span,
                            format!(
                                "{} is bpchar{}: trailing spaces of its values are ignored when comparing and dropped when cast to text",
                                col.subject(),
                                col.array_suffix()
                            ),
                        )
                        .about_column(col.decl.column)
                        .help(format!(
                            "declare it as text, which keeps values as written and is stored and compared as fast:\n  {}",
                            col.with_type(&format!("text{}", col.array_suffix()))
                        )),
                    );
                }
                continue;
            };
            let what = if padded {
                let plural = if limit == 1 { "" } else { "s" };
                format!("values are blank-padded to {limit} character{plural} and ")
            } else {
                String::new()
            };
            out.push(
                Finding::new(
                    col.type_span,
                    format!(
                        "{} is {}: {what}the length limit is part of the column type",
                        col.subject(),
                        col.type_display()
                    ),
                )
                .about_column(col.decl.column)
                .help(help(ctx, &col, limit)),
            );
        }
    }
}

fn help(ctx: StatementContext<'_>, col: &Column<'_>, limit: i64) -> String {
    let why = format!(
        "raising a varchar limit later is free, but lowering or adding one is an ALTER COLUMN TYPE that rewrites the table under {}, while a CHECK constraint can be replaced with NOT VALID and VALIDATE without blocking writes",
        col.type_change_lock(&format!("varchar({limit})"), ctx.pg_version())
    );
    if !col.array_suffix().is_empty() {
        return format!("declare it as text[]:\n  {}\n{why}", col.with_type("text[]"));
    }
    let check = format!("CHECK (length({}) <= {limit})", col.name);
    let new_table = ctx.is_new(&col.decl.table);
    match col.decl.declaration {
        Declaration::CreateTable => {
            format!(
                "declare it as text with a CHECK constraint:\n  {} {check}\n{why}",
                col.with_type("text")
            )
        }
        Declaration::AddColumn if new_table => format!(
            "declare it as text with a CHECK constraint:\n  {} {check}\n{why}",
            col.with_type("text")
        ),
        Declaration::AddColumn | Declaration::AlterType => {
            let table = col.table_sql();
            let constraint = ident(&format!("{}_{}_length", col.decl.table.name, col.decl.column));
            let not_valid = if new_table { "" } else { " NOT VALID" };
            let mut steps = vec![
                format!("ALTER TABLE {table} {};", col.with_type("text")),
                format!("ALTER TABLE {table} ADD CONSTRAINT {constraint} {check}{not_valid};"),
            ];
            if !new_table {
                steps.push(format!("ALTER TABLE {table} VALIDATE CONSTRAINT {constraint};"));
            }
            let recipe = numbered_steps("declare it as text and state the limit in a CHECK constraint:", &steps);
            format!("{recipe}\n{why}")
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_bounded_varchar_and_char() {
        let found = findings("prefer-text", "CREATE TABLE t (a varchar(20), b character(2), c char);");
        assert_eq!(
            found[0],
            "column \"a\" of \"t\" is varchar(20): the length limit is part of the column type"
        );
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn flags_bpchar_without_a_length() {
        assert_eq!(
            findings("prefer-text", "ALTER TABLE t ADD COLUMN code bpchar;"),
            ["column \"code\" of \"t\" is bpchar: trailing spaces of its values are ignored when comparing and dropped when cast to text"]
        );
    }

    #[test]
    fn text_and_unbounded_varchar_are_fine() {
        assert!(findings("prefer-text", "CREATE TABLE t (a text, b varchar, c \"char\");").is_empty());
    }
}
