//! `naming-convention` (off by default): an index or constraint named
//! against the project's conventions, `[naming]` in `miglint.toml`.

use crate::analysis::created_names::{given_names, ConstraintKind, NamedKind};
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::settings::NameKind;

crate::rule::declare_rule!(NamingConvention, id: "naming-convention", category: Style, severity: Warning, since: "0.1.0", enabled_by_default: false);

impl Rule for NamingConvention {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let naming = &ctx.file.options.naming;
        if naming.is_empty() {
            return;
        }
        for given in given_names(ctx.node()) {
            let kind = match given.kind {
                NamedKind::Index { unique: true } if naming.pattern(NameKind::Unique).is_some() => NameKind::Unique,
                NamedKind::Index { .. } => NameKind::Index,
                NamedKind::Constraint(ConstraintKind::PrimaryKey) => NameKind::PrimaryKey,
                NamedKind::Constraint(ConstraintKind::Unique) => NameKind::Unique,
                NamedKind::Constraint(ConstraintKind::ForeignKey) => NameKind::ForeignKey,
                NamedKind::Constraint(ConstraintKind::Check) => NameKind::Check,
                _ => continue,
            };
            let Some(pattern) = naming.pattern(kind) else { continue };
            if pattern.matches(&given.name, &given.table, &given.columns) {
                continue;
            }
            let span = ctx
                .tokens()
                .iter()
                .find(|t| t.identifier().as_deref() == Some(given.name.as_str()))
                .map_or(ctx.span(), |t| t.span);
            let wanted = pattern.filled(&given.table, &given.columns);
            out.push(
                Finding::new(
                    span,
                    format!(
                        "{} \"{}\" does not follow the naming convention `{}`",
                        kind.noun(),
                        given.name,
                        pattern.as_str()
                    ),
                )
                .help(format!(
                    "name it to match `{wanted}` (`naming.{}` in miglint.toml); a name is hard to change once deployed, as code and later migrations spell it",
                    kind.key()
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::{NameKind, NamePattern, Naming, Settings};
    use crate::tests::rules::findings_with;

    const ID: &str = "naming-convention";

    fn settings() -> Settings {
        let mut settings = Settings::default();
        settings.set_rule(ID, Some(crate::diagnostic::Severity::Warning));
        settings.naming = std::sync::Arc::new(Naming {
            patterns: vec![
                (NameKind::Index, NamePattern::new("^{table}_{columns}_idx$").unwrap()),
                (NameKind::ForeignKey, NamePattern::new("^fk_").unwrap()),
            ],
        });
        settings
    }

    #[test]
    fn flags_names_against_the_conventions() {
        let sql = "CREATE INDEX idx_orders ON orders (user_id);\nALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);";
        let found = findings_with(ID, sql, &settings());
        assert_eq!(
            found,
            [
                "index \"idx_orders\" does not follow the naming convention `^{table}_{columns}_idx$`",
                "foreign key \"orders_user_fkey\" does not follow the naming convention `^fk_`"
            ]
        );
    }

    #[test]
    fn names_that_follow_them_and_kinds_without_one_are_fine() {
        let sql = "CREATE INDEX orders_user_id_idx ON orders (user_id);\nALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id), ADD CONSTRAINT anything CHECK (id > 0);\nCREATE INDEX ON orders (total);";
        assert!(findings_with(ID, sql, &settings()).is_empty());
        let mut off = Settings::default();
        off.set_rule(ID, Some(crate::diagnostic::Severity::Warning));
        assert!(
            findings_with(ID, "CREATE INDEX x ON t (a);", &off).is_empty(),
            "no [naming], nothing to check"
        );
    }
}
