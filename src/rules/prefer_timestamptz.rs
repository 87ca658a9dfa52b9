//! `prefer-timestamptz`: `timestamp without time zone` stores a wall-clock
//! reading with no zone, not an instant.

use crate::analysis::types::modifiers;
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::column_types;

crate::rule::declare_rule!(PreferTimestamptz, id: "prefer-timestamptz", category: Style, severity: Warning, since: "0.1.0");

impl Rule for PreferTimestamptz {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        for col in column_types::columns(ctx) {
            if col.base_name() != "timestamp" {
                continue;
            }
            let precision = match modifiers(col.decl.type_name).first() {
                Some(p) => format!("({p})"),
                None => String::new(),
            };
            let new_type = format!("timestamptz{precision}{}", col.array_suffix());
            out.push(
                Finding::new(
                    col.type_span,
                    format!(
                        "{} is {} without time zone{}: it stores a wall-clock reading, not an instant",
                        col.subject(),
                        col.type_display().trim_end_matches("[]"),
                        col.array_suffix()
                    ),
                )
                .about_column(col.decl.column)
                .help(format!(
                    "declare it as timestamptz, which stores an instant (as UTC) and shows it in each session's TimeZone:\n  {}\nit takes the same 8 bytes; with timestamp, the same value means different instants to writers in different time zones",
                    col.with_type(&new_type)
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_timestamp_without_time_zone() {
        let found = findings(
            "prefer-timestamptz",
            "CREATE TABLE t (a timestamp, b timestamp(3) without time zone, c timestamp[]);",
        );
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[2],
            "column \"c\" of \"t\" is timestamp without time zone[]: it stores a wall-clock reading, not an instant"
        );
        assert_eq!(
            found[0],
            "column \"a\" of \"t\" is timestamp without time zone: it stores a wall-clock reading, not an instant"
        );
    }

    #[test]
    fn timestamptz_is_fine() {
        assert!(findings(
            "prefer-timestamptz",
            "CREATE TABLE t (a timestamptz, b timestamp with time zone, c date);"
        )
        .is_empty());
    }
}
