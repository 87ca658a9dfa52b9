//! `[[custom_rules]]` of miglint.toml: the team's own rules, as data.
//!
//! ```toml
//! [[custom_rules]]
//! id = "no-access-exclusive-on-payments"
//! lock = "ACCESS EXCLUSIVE"          # this mode, or one that blocks all it blocks
//! tables = ["payments.*"]
//! message = "payments tables must stay readable: no ACCESS EXCLUSIVE lock"
//! help = "ask #payments-oncall for a maintenance window"
//! severity = "error"                 # the default
//!
//! [[custom_rules]]
//! id = "no-drop-in-billing"
//! statement = "DROP"                 # or a list: ["DROP", "TRUNCATE", "ALTER TABLE ... DROP COLUMN"]
//! schemas = ["billing"]
//! message = "nothing is dropped in billing"
//! ```

use serde::Deserialize;
use toml::Spanned;

use super::{parse_rule_level, ConfigError};
use crate::settings::{CustomRule, Severity, StatementPattern, TablePattern};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCustomRule {
    id: Spanned<String>,
    message: Spanned<String>,
    help: Option<String>,
    severity: Option<Spanned<String>>,
    statement: Option<Spanned<toml::Value>>,
    lock: Option<Spanned<String>>,
    tables: Option<Spanned<toml::Value>>,
    schemas: Option<Spanned<toml::Value>>,
}

/// `"x"` or `["x", "y"]`; Err names the key.
fn strings(value: &toml::Value, key: &str) -> Result<Vec<String>, String> {
    let one = |item: &toml::Value| item.as_str().map(str::to_string);
    match value {
        toml::Value::Array(items) => items.iter().map(one).collect(),
        item => one(item).map(|one| vec![one]),
    }
    .ok_or_else(|| format!("`{key}` must be a string or a list of strings"))
}

/// The entries in the order written, each checked on its own; ids that
/// clash with a built-in rule are for `Config::check_rule_ids`.
pub(super) fn custom_rules(
    raw: Vec<RawCustomRule>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<Vec<CustomRule>, ConfigError> {
    let mut rules: Vec<CustomRule> = Vec::with_capacity(raw.len());
    for entry in raw {
        let rule = custom_rule(entry, at)?;
        if rules.iter().any(|earlier| earlier.id == rule.id) {
            return Err(ConfigError(format!(
                "{}: custom rule `{}` is defined twice",
                rule.at, rule.id
            )));
        }
        rules.push(rule);
    }
    Ok(rules)
}

fn custom_rule(raw: RawCustomRule, at: &dyn Fn(std::ops::Range<usize>) -> String) -> Result<CustomRule, ConfigError> {
    let id_at = at(raw.id.span());
    let error = |span: std::ops::Range<usize>, why: String| ConfigError(format!("{}: custom rule {why}", at(span)));
    let id = raw.id.get_ref().clone();
    if !is_kebab_case(&id) {
        return Err(error(
            raw.id.span(),
            format!("id {id:?} must be kebab-case: lowercase words joined by `-`, such as \"no-drop-in-billing\""),
        ));
    }
    if raw.message.get_ref().trim().is_empty() {
        return Err(error(
            raw.message.span(),
            format!("`{id}` needs a `message`: what the finding says"),
        ));
    }
    let severity = match &raw.severity {
        None => Severity::Error,
        Some(level) => match parse_rule_level(level.get_ref()) {
            Some(Some(severity)) => severity,
            _ => {
                return Err(error(
                    level.span(),
                    format!("`{id}`: `severity` must be \"error\", \"warning\" or \"info\""),
                ))
            }
        },
    };
    let statements = each(&raw.statement, "statement", &id, at, StatementPattern::new)?;
    if statements.is_empty() && raw.lock.is_none() {
        return Err(error(
            raw.id.span(),
            format!("`{id}` matches every statement: give a `statement` (such as \"DROP\") or a `lock` (such as \"ACCESS EXCLUSIVE\")"),
        ));
    }
    let tables = each(&raw.tables, "tables", &id, at, TablePattern::new)?;
    let schemas = each(&raw.schemas, "schemas", &id, at, schema_pattern)?;
    Ok(CustomRule {
        id,
        message: raw.message.into_inner().trim().to_string(),
        help: raw.help.map(|h| h.trim().to_string()).filter(|h| !h.is_empty()),
        severity,
        statements,
        lock: raw.lock.map(|lock| lock.into_inner()),
        tables,
        schemas,
        at: id_at,
    })
}

/// The entries of `key` (a string or a list of them), each parsed; an
/// error names the rule `id` and the key's place.
fn each<T>(
    value: &Option<Spanned<toml::Value>>,
    key: &str,
    id: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, ConfigError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let error = |why: String| ConfigError(format!("{}: custom rule `{id}`: {why}", at(value.span())));
    strings(value.get_ref(), key)
        .map_err(error)?
        .iter()
        .map(|text| parse(text).map_err(error))
        .collect()
}

/// A schema name or glob (`billing`, `tenant_*`); Err says what is wrong.
fn schema_pattern(text: &str) -> Result<glob::Pattern, String> {
    glob::Pattern::new(text)
        .ok()
        .filter(|_| !text.trim().is_empty() && !text.contains('.'))
        .ok_or_else(|| {
            format!("bad schema pattern {text:?}: write a schema name or glob, such as \"billing\" or \"tenant_*\"")
        })
}

/// Lowercase words of letters and digits joined by `-`, the first word
/// starting with a letter: what every output's schema allows.
fn is_kebab_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .split('-')
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::input::config::{parse, Config, ConfigError};
    use crate::settings::Severity;

    /// Parsed and checked as a run checks it: ids against the rules.
    fn read(toml: &str) -> Result<Config, ConfigError> {
        let config = parse(toml, Path::new("miglint.toml"))?;
        config.check_rule_ids(|id| crate::rules::find(id).is_some(), crate::rules::did_you_mean)?;
        Ok(config)
    }

    fn error(toml: &str) -> String {
        read(toml).unwrap_err().0
    }

    #[test]
    fn reads_a_rule_of_each_form() {
        let config = read(
            r#"
[[custom_rules]]
id = "no-drop-in-billing"
statement = ["DROP", "ALTER TABLE ... DROP COLUMN"]
schemas = "billing"
message = "nothing is dropped in billing"
severity = "warning"

[[custom_rules]]
id = "acme-payments-readable"
lock = "access exclusive"
tables = ["payments.*", "ledger"]
message = "payments stay readable"
help = "book a window"

[rules]
acme-payments-readable = "warning"
"#,
        )
        .unwrap();
        let [drop, lock] = config.custom_rules.as_slice() else {
            panic!("two rules expected")
        };
        assert_eq!(drop.id, "no-drop-in-billing");
        assert_eq!(drop.statements.len(), 2);
        assert_eq!(drop.severity, Severity::Warning);
        assert_eq!(drop.schemas.len(), 1);
        assert_eq!(drop.at, "miglint.toml:3:6");
        assert_eq!(lock.severity, Severity::Error);
        assert_eq!(lock.lock.as_deref(), Some("access exclusive"));
        assert_eq!(lock.tables.len(), 2);
        assert_eq!(lock.help.as_deref(), Some("book a window"));
        assert_eq!(config.rules[0].id, "acme-payments-readable");
    }

    #[test]
    fn a_bad_rule_is_a_located_error() {
        let rule = |body: &str| format!("[[custom_rules]]\n{body}\n");
        assert_eq!(
            error(&rule("id = \"No Drops\"\nmessage = \"m\"\nstatement = \"DROP\"")),
            "miglint.toml:2:6: custom rule id \"No Drops\" must be kebab-case: lowercase words joined by `-`, such as \"no-drop-in-billing\""
        );
        assert_eq!(
            error(&rule("id = \"x\"\nmessage = \" \"\nstatement = \"DROP\"")),
            "miglint.toml:3:11: custom rule `x` needs a `message`: what the finding says"
        );
        assert!(error(&rule("id = \"x\"\nmessage = \"m\"")).contains("`x` matches every statement"));
        assert!(error(&rule(
            "id = \"x\"\nmessage = \"m\"\nstatement = \"DROP\"\nseverity = \"fatal\""
        ))
        .starts_with("miglint.toml:5:12: custom rule `x`: `severity` must be"));
        assert!(error(&rule(
            "id = \"x\"\nmessage = \"m\"\nstatement = \"DROP users\"\ntables = \"a.b.c\""
        ))
        .contains("more than one `.`"));
        assert!(error(&rule(
            "id = \"x\"\nmessage = \"m\"\nstatement = \"DROP\"\nschemas = \"a.b\""
        ))
        .contains("bad schema pattern \"a.b\""));
        assert!(error(&rule(
            "id = \"x\"\nmessage = \"m\"\nstatement = \"DROP\"\ncolour = \"red\""
        ))
        .contains("colour"));
        assert!(error(&rule("id = \"x\"\nmessage = \"m\"\nstatement = 3")).contains("string or a list of strings"));
        assert!(error(&rule("id = \"x\"\nmessage = \"m\"\nstatement = \"DROP 'users'\"")).contains("not a keyword"));
    }

    #[test]
    fn ids_are_unique_and_never_a_built_in_rule_s() {
        let twice = "[[custom_rules]]\nid = \"x\"\nmessage = \"m\"\nstatement = \"DROP\"\n".repeat(2);
        assert_eq!(error(&twice), "miglint.toml:6:6: custom rule `x` is defined twice");
        assert!(
            error("[[custom_rules]]\nid = \"ban-drop-table\"\nmessage = \"m\"\nstatement = \"DROP\"\n")
                .starts_with("miglint.toml:2:6: custom rule `ban-drop-table` has a built-in rule's id")
        );
        assert!(error("[rules]\nmy-own = \"off\"\n").contains("unknown rule `my-own` in [rules]"));
    }
}
