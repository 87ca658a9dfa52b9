//! `domain-constraint`: `ALTER DOMAIN ... ADD CONSTRAINT` checks every
//! column of the domain in every table under SHARE locks; `CREATE DOMAIN`
//! with a `CHECK` sets up such scans for every later change.

use pg_query::protobuf::{ConstrType, Constraint};
use pg_query::NodeEnum;

use crate::analysis::facts::lock_of_sql;
use crate::analysis::{LockScope, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(DomainConstraint, id: "domain-constraint", category: Locking, severity: Warning, since: "0.1.0");

impl Rule for DomainConstraint {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        match ctx.node() {
            NodeEnum::AlterDomainStmt(stmt) if stmt.subtype == "C" => {
                let Some(def) = stmt.def.as_deref() else { return };
                let Some(NodeEnum::Constraint(con)) = def.node.as_ref() else {
                    return;
                };
                let Some(domain) = RelationName::from_name_list(&stmt.type_name) else {
                    return;
                };
                if ctx.is_new(&domain) {
                    return;
                }
                let Some(lock) = ctx
                    .facts()
                    .scoped_locks
                    .iter()
                    .find(|l| matches!(&l.scope, LockScope::TablesUsingDomain(d) if d.same_as(&domain)))
                else {
                    return;
                };
                let span = constraint_spans(ctx, std::slice::from_ref(def))
                    .first()
                    .map_or(ctx.span(), |(_, span)| *span);
                out.push(
                    Finding::new(
                        span,
                        format!("constraint on domain {domain} checked against every column of the domain"),
                    )
                    .label(
                        ctx.clause(&["alter", "domain"]),
                        format!("{} until every row is checked", lock.describe()),
                    )
                    .help(add_help(ctx, con, span, &domain)),
                );
            }
            NodeEnum::CreateDomainStmt(stmt) => {
                let Some(domain) = RelationName::from_name_list(&stmt.domainname) else {
                    return;
                };
                let checks: Vec<(&Constraint, Span)> = constraint_spans(ctx, &stmt.constraints)
                    .into_iter()
                    .filter(|(c, _)| c.contype == ConstrType::ConstrCheck as i32)
                    .collect();
                let spans: Vec<Span> = checks.iter().map(|(_, span)| *span).collect();
                if let Some((_, span)) = checks.first() {
                    let what = if checks.len() > 1 {
                        "CHECK constraints"
                    } else {
                        "a CHECK constraint"
                    };
                    out.push(
                        Finding::new(*span, format!("domain {domain} created with {what}"))
                            .label(
                                ctx.clause(&["create", "domain"]),
                                "changing this check later scans every column of the domain in every table",
                            )
                            .help(numbered_steps(
                                "check the value on each table column instead, where it can be added NOT VALID and validated without blocking writes:",
                                &[
                                    format!("{}   (or use the base type directly)", without(ctx, &spans)),
                                    "ALTER TABLE <table> ADD CONSTRAINT <name> CHECK (<the check, with VALUE replaced by the column>) NOT VALID;".to_string(),
                                    "ALTER TABLE <table> VALIDATE CONSTRAINT <name>;".to_string(),
                                ],
                            )),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Each constraint of the statement with its span: from its location to
/// the last token before the next constraint.
fn constraint_spans<'n>(ctx: StatementContext<'_>, nodes: &'n [pg_query::Node]) -> Vec<(&'n Constraint, Span)> {
    let statement = ctx.statement();
    let tokens = ctx.tokens();
    let mut starts: Vec<(usize, &Constraint)> = constraints(nodes)
        .filter_map(|c| Some((statement.offset_of(c.location)?, c)))
        .collect();
    starts.sort_by_key(|(at, _)| *at);
    let mut spans = Vec::new();
    for (i, (at, con)) in starts.iter().enumerate() {
        let next = starts.get(i + 1).map_or(usize::MAX, |(n, _)| *n);
        let inside: Vec<_> = tokens
            .iter()
            .filter(|t| t.span.start >= *at && t.span.start < next)
            .collect();
        if let (Some(first), Some(last)) = (inside.first(), inside.last()) {
            spans.push((*con, Span::new(first.span.start, last.span.end)));
        }
    }
    spans
}

/// The statement's text without the given spans.
fn without(ctx: StatementContext<'_>, removed: &[Span]) -> String {
    let text = &ctx.file.source.text;
    let mut out = String::new();
    let mut at = ctx.span().start;
    for span in removed {
        out.push_str(text[at..span.start].trim_end());
        at = span.end;
    }
    out.push_str(&text[at..ctx.span().end]);
    format!("{};", out.trim_end())
}

fn constraints(nodes: &[pg_query::Node]) -> impl Iterator<Item = &Constraint> {
    nodes.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::Constraint(con) => Some(con.as_ref()),
        _ => None,
    })
}

fn add_help(ctx: StatementContext<'_>, con: &Constraint, span: Span, domain: &RelationName) -> String {
    let name = if con.conname.is_empty() {
        "<name>".to_string()
    } else {
        crate::analysis::names::quote_ident(&con.conname)
    };
    let domain_sql = domain.to_sql();
    let check_start = ctx
        .tokens()
        .iter()
        .find(|t| t.is("check") && t.span.start >= span.start && t.span.end <= span.end)
        .map(|t| t.span.start);
    let check = match check_start {
        Some(start) if con.contype == ConstrType::ConstrCheck as i32 => {
            ctx.file.source.text[start..span.end].to_string()
        }
        // NOT VALID is only for CHECK: spell NOT NULL as a check.
        _ => "CHECK (VALUE IS NOT NULL)".to_string(),
    };
    let validate = format!("ALTER DOMAIN {domain_sql} VALIDATE CONSTRAINT {name};");
    // `<name>` as an identifier, so that the statement parses.
    let probe = format!(
        "ALTER DOMAIN {domain_sql} VALIDATE CONSTRAINT {};",
        crate::analysis::names::quote_ident(&name)
    );
    let version_note = match lock_of_sql(&probe, ctx.pg_version()) {
        Some(mode) if ctx.pg_version() <= 18 => format!(
            "\nVALIDATE still takes {mode} locks on those tables while it scans, so run it at a quiet moment; in between, new values are already checked"
        ),
        _ => String::new(),
    };
    let steps = [
        format!("ALTER DOMAIN {domain_sql} ADD CONSTRAINT {name} {check} NOT VALID;"),
        validate,
    ];
    numbered_steps(
        "add it without checking existing rows, fix the rows that break it, then validate:",
        &steps,
    ) + &version_note
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_validating_alter_and_create_with_check() {
        assert_eq!(
            findings(
                "domain-constraint",
                "ALTER DOMAIN email ADD CONSTRAINT at CHECK (VALUE LIKE '%@%');"
            )
            .len(),
            1
        );
        assert_eq!(
            findings(
                "domain-constraint",
                "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');"
            )
            .len(),
            1
        );
    }

    #[test]
    fn not_valid_and_new_domains_are_fine() {
        assert!(findings(
            "domain-constraint",
            "ALTER DOMAIN email ADD CONSTRAINT at CHECK (VALUE LIKE '%@%') NOT VALID;"
        )
        .is_empty());
        assert!(findings(
            "domain-constraint",
            "CREATE DOMAIN email AS text;\nALTER DOMAIN email ADD CONSTRAINT at CHECK (VALUE LIKE '%@%');"
        )
        .is_empty());
    }
}
