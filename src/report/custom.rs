//! Checks the team's own rules (`[[custom_rules]]` in miglint.toml) on
//! each statement, as the built-in rules are checked: a statement of a
//! kind, or taking a lock of a mode or a stronger one, on the tables or
//! schemas the rule names.

use std::sync::{Mutex, OnceLock};

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::analysis::names::dropped_names;
use crate::analysis::{AnalyzedFile, LockMode, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::{SourceFile, Span};
use crate::parse::tokens::{tokenize, Token};
use crate::rule::{Category, RuleMeta};
use crate::settings::{CustomRule, NameRules, Settings};

/// Every custom rule's metadata, kept for the life of the process: a
/// finding names its rule by a `'static` id, as built-in rules do. A
/// config read again (the language server) reuses the entries it made.
fn registry() -> &'static Mutex<Vec<&'static RuleMeta>> {
    static REGISTRY: OnceLock<Mutex<Vec<&'static RuleMeta>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(Vec::new()))
}

/// The rule's metadata, as `miglint explain` and SARIF show a rule: its
/// documentation is written from its config.
pub(crate) fn meta(rule: &CustomRule) -> &'static RuleMeta {
    let doc = documentation(rule);
    let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = registry
        .iter()
        .find(|m| m.id == rule.id && m.doc == doc && m.default_severity == rule.severity)
    {
        return known;
    }
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        id: Box::leak(rule.id.clone().into_boxed_str()),
        category: Category::Custom,
        default_severity: rule.severity,
        enabled_by_default: true,
        since: env!("CARGO_PKG_VERSION"),
        doc: Box::leak(doc.into_boxed_str()),
    }));
    registry.push(meta);
    meta
}

/// The metadata of a custom rule met in this process, by id (the latest
/// when configs define the id differently).
pub(crate) fn registered(id: &str) -> Option<&'static RuleMeta> {
    let registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    registry.iter().rev().find(|m| m.id == id).copied()
}

/// The custom rule `id` of these settings.
pub(crate) fn find(settings: &Settings, id: &str) -> Option<&'static RuleMeta> {
    settings.custom_rules.iter().find(|rule| rule.id == id).map(meta)
}

fn documentation(rule: &CustomRule) -> String {
    let mut matches = Vec::new();
    if !rule.statements.is_empty() {
        let kinds: Vec<String> = rule.statements.iter().map(|s| format!("`{}`", s.as_str())).collect();
        matches.push(format!("statements {}", kinds.join(" or ")));
    }
    if let Some(lock) = &rule.lock {
        matches.push(format!(
            "statements taking a `{lock}` lock, or a stronger one, on a table that existed before"
        ));
    }
    if !rule.tables.is_empty() {
        let tables: Vec<String> = rule.tables.iter().map(|t| format!("`{}`", t.as_str())).collect();
        matches.push(format!("on tables {}", tables.join(", ")));
    }
    if !rule.schemas.is_empty() {
        let schemas: Vec<String> = rule.schemas.iter().map(|s| format!("`{}`", s.as_str())).collect();
        matches.push(format!("in schemas {}", schemas.join(", ")));
    }
    format!(
        "# {id}\n\n## What it does\n{message}.\n\nA custom rule of this project (`[[custom_rules]]` in miglint.toml, {at}): it flags {matches}.\n\n## Use instead\n{help}\n",
        id = rule.id,
        message = sentence(&rule.message),
        at = rule.at,
        matches = matches.join(", "),
        help = rule.help.as_deref().unwrap_or("Ask the team that wrote the rule."),
    )
}

/// A message as the first sentence of a doc: capitalised, one period.
fn sentence(message: &str) -> String {
    let message = message.trim_end_matches('.');
    let mut chars = message.chars();
    chars
        .next()
        .map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// The custom rules' findings on a PostgreSQL file.
pub(crate) fn check_postgres(
    file: &AnalyzedFile<'_>,
    settings: &Settings,
    out: &mut Vec<(&'static RuleMeta, Finding)>,
) {
    for rule in settings.custom_rules.iter() {
        let meta = meta(rule);
        if is_off(settings, meta) {
            continue;
        }
        let lock = rule.lock.as_deref().map(LockMode::parse);
        for ctx in file.contexts() {
            let subject = Subject {
                tokens: ctx.tokens(),
                tables: ctx.facts().locks.iter().map(|l| &l.relation).collect(),
                schemas: named_schemas(&ctx),
                locks: ctx.locks_on_existing().map(|l| (&l.relation, l.mode)).collect(),
                rules: NameRules::Postgres,
            };
            if let Some(finding) = subject.check(rule, lock) {
                out.push((meta, finding));
            }
        }
    }
}

/// The custom rules' findings on a MySQL or SQLite file: statement kinds
/// and tables (these dialects take no PostgreSQL locks, so a rule with a
/// `lock` never matches).
pub(crate) fn check_replayed(
    source: &SourceFile,
    statements: &[crate::report::StatementTables],
    settings: &Settings,
    out: &mut Vec<(&'static RuleMeta, Finding)>,
) {
    let rules: Vec<&CustomRule> = settings
        .custom_rules
        .iter()
        .filter(|rule| rule.lock.is_none() && !is_off(settings, meta(rule)))
        .collect();
    if rules.is_empty() {
        return;
    }
    // Backquoted names read as PostgreSQL's double-quoted ones: the
    // keywords around them are the same.
    let text = source.text.replace('`', "\"");
    for statement in statements {
        let tokens = tokenize(&text, statement.span);
        let subject = Subject {
            tokens: &tokens,
            tables: statement.tables.iter().collect(),
            schemas: Vec::new(),
            locks: Vec::new(),
            rules: NameRules::CaseInsensitive,
        };
        for rule in &rules {
            if let Some(finding) = subject.check(rule, None) {
                out.push((meta(rule), finding));
            }
        }
    }
}

/// What a custom rule looks at in one statement.
struct Subject<'a> {
    tokens: &'a [Token],
    /// The tables it acts on.
    tables: Vec<&'a RelationName>,
    /// The schemas it creates, drops or alters itself.
    schemas: Vec<String>,
    /// Its locks on tables that existed before the change.
    locks: Vec<(&'a RelationName, LockMode)>,
    rules: NameRules,
}

impl Subject<'_> {
    /// The finding when `rule` matches; `lock` is the rule's mode, read
    /// (None inside when its name is no mode: it then matches nothing).
    fn check(&self, rule: &CustomRule, lock: Option<Option<LockMode>>) -> Option<Finding> {
        let words: Vec<&str> = self.tokens.iter().map(|t| t.word.as_str()).collect();
        let keywords = self.tokens.iter().take_while(|t| t.is_keyword()).count();
        let kind = if rule.statements.is_empty() {
            Some(0..keywords.max(1).min(words.len()))
        } else {
            rule.statements
                .iter()
                .find_map(|pattern| pattern.matches(&words, keywords))
        }?;
        let clause = span_of(&self.tokens[kind.clone()])?;
        let mut finding = Finding::new(clause, rule.message.clone());
        match lock {
            Some(mode) => {
                let wanted = mode?;
                let (relation, held) = self
                    .locks
                    .iter()
                    .find(|(relation, held)| held.covers(wanted) && self.in_scope(rule, relation))?;
                finding = finding
                    .label(clause, format!("{held} lock on {relation}: {}", held.what_waits()))
                    .lock(relation, *held);
            }
            None => {
                let scoped = !rule.tables.is_empty() || !rule.schemas.is_empty();
                if scoped {
                    let named_schema = self.schemas.iter().find(|schema| schema_matches(rule, schema));
                    match self.tables.iter().find(|relation| self.in_scope(rule, relation)) {
                        Some(relation) => finding = finding.label(clause, format!("on {relation}")),
                        None if rule.tables.is_empty() => {
                            finding = finding.label(clause, format!("on schema \"{}\"", named_schema?));
                        }
                        None => return None,
                    }
                }
            }
        }
        let help = rule.help.clone().unwrap_or_else(|| {
            format!(
                "`{}` is this project's own rule (miglint.toml, {}); ask its authors for the safe way",
                rule.id, rule.at
            )
        });
        Some(finding.help(help))
    }

    /// The relation is on the rule's tables and in its schemas (each
    /// condition holds when the rule gives none).
    fn in_scope(&self, rule: &CustomRule, relation: &RelationName) -> bool {
        let schema = relation.schema.as_deref();
        let table_ok = rule.tables.is_empty()
            || rule
                .tables
                .iter()
                .any(|p| p.matches(schema, &relation.name, self.rules));
        let schema_ok = rule.schemas.is_empty()
            || match (schema, self.rules) {
                (None, NameRules::Postgres) => schema_matches(rule, "public"),
                (None, NameRules::CaseInsensitive) => false,
                (Some(schema), _) => schema_matches(rule, schema),
            };
        table_ok && schema_ok
    }
}

/// `[rules]` turned the custom rule off (it is on unless turned off).
fn is_off(settings: &Settings, meta: &RuleMeta) -> bool {
    settings.rule_severity(meta.id, Some(meta.default_severity)).is_none()
}

fn schema_matches(rule: &CustomRule, schema: &str) -> bool {
    rule.schemas.iter().any(|pattern| pattern.matches(schema))
}

fn span_of(tokens: &[Token]) -> Option<Span> {
    crate::parse::tokens::span_of(tokens)
}

/// The schemas a statement is itself about: `CREATE SCHEMA`, `DROP
/// SCHEMA`, `ALTER SCHEMA ... RENAME`.
fn named_schemas(ctx: &StatementContext<'_>) -> Vec<String> {
    match ctx.node() {
        NodeEnum::CreateSchemaStmt(create) => vec![create.schemaname.clone()],
        NodeEnum::DropStmt(drop) if drop.remove_type == ObjectType::ObjectSchema as i32 => {
            dropped_names(&drop.objects).into_iter().map(|n| n.name).collect()
        }
        NodeEnum::RenameStmt(rename) if rename.rename_type == ObjectType::ObjectSchema as i32 => {
            vec![rename.subname.clone(), rename.newname.clone()]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::settings::Settings;
    use crate::tests::rules::mysql_findings_after;

    /// `line:column message` of the active findings of `rule`.
    fn findings_with(rule: &str, sql: &str, settings: &Settings) -> Vec<String> {
        crate::lint_source(crate::SourceFile::new("t.sql", sql), settings)
            .diagnostics
            .into_iter()
            .filter(|d| d.rule == rule && d.is_active())
            .map(|d| format!("{}:{} {}", d.start.line, d.start.column, d.message))
            .collect()
    }

    /// Settings with the custom rules of a miglint.toml.
    fn settings(toml: &str) -> Settings {
        let config = crate::input::config::parse(toml, Path::new("miglint.toml")).unwrap();
        let mut settings = Settings::default();
        settings.custom_rules = config.custom_rules.into();
        settings
    }

    const PAYMENTS: &str = r#"
[[custom_rules]]
id = "no-access-exclusive-on-payments"
lock = "ACCESS EXCLUSIVE"
tables = ["payments.*"]
message = "no ACCESS EXCLUSIVE lock on payments tables"
"#;

    #[test]
    fn a_lock_rule_flags_that_mode_or_a_stronger_one_on_existing_tables_it_names() {
        let settings = settings(PAYMENTS);
        let found = |sql: &str| findings_with("no-access-exclusive-on-payments", sql, &settings);
        assert_eq!(
            found("ALTER TABLE payments.charges ADD COLUMN note text;"),
            ["1:1 no ACCESS EXCLUSIVE lock on payments tables"]
        );
        // SHARE blocks writes, not reads: not this rule's mode.
        assert!(found("CREATE INDEX charges_idx ON payments.charges (amount);").is_empty());
        // Another schema, and a table created in the change, are out of scope.
        assert!(found("ALTER TABLE public.charges ADD COLUMN note text;").is_empty());
        assert!(found(
            "CREATE TABLE payments.refunds (id bigint);\nALTER TABLE payments.refunds ADD COLUMN note text;"
        )
        .is_empty());
    }

    #[test]
    fn a_statement_rule_flags_its_kinds_in_its_schemas() {
        let settings = settings(
            r#"
[[custom_rules]]
id = "no-drop-in-billing"
statement = ["DROP", "ALTER TABLE ... DROP COLUMN"]
schemas = ["billing"]
message = "nothing is dropped in billing"
severity = "warning"
"#,
        );
        let found = |sql: &str| findings_with("no-drop-in-billing", sql, &settings);
        assert_eq!(
            found("DROP TABLE billing.invoices;"),
            ["1:1 nothing is dropped in billing"]
        );
        assert_eq!(
            found("ALTER TABLE billing.invoices DROP COLUMN legacy;"),
            ["1:30 nothing is dropped in billing"]
        );
        assert_eq!(
            found("DROP SCHEMA billing CASCADE;"),
            ["1:1 nothing is dropped in billing"]
        );
        assert!(found("DROP TABLE public.invoices;").is_empty());
        assert!(found("ALTER TABLE billing.invoices DROP CONSTRAINT c;").is_empty());
        assert!(found("ALTER TABLE billing.invoices ADD COLUMN dropped boolean;").is_empty());
    }

    #[test]
    fn rules_config_turns_a_custom_rule_off_and_comments_suppress_it_by_id() {
        let mut off = settings(PAYMENTS);
        off.set_rule("no-access-exclusive-on-payments", None);
        let sql = "ALTER TABLE payments.charges ADD COLUMN note text;";
        assert!(findings_with("no-access-exclusive-on-payments", sql, &off).is_empty());
        let on = settings(PAYMENTS);
        let report = crate::lint_source(
            crate::SourceFile::new(
                "t.sql",
                format!("-- miglint: ignore no-access-exclusive-on-payments -- window booked\n{sql}"),
            ),
            &on,
        );
        let custom: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == "no-access-exclusive-on-payments")
            .collect();
        assert_eq!(custom.len(), 1);
        assert!(custom[0].suppressed.is_some());
        assert!(report
            .diagnostics
            .iter()
            .all(|d| d.rule != "unknown-rule" && d.rule != "unused-suppression"));
    }

    #[test]
    fn mysql_statements_match_by_kind_and_table() {
        let settings = settings(
            r#"
[[custom_rules]]
id = "no-drop-payments"
statement = "DROP TABLE"
tables = ["payment*"]
message = "payments tables are never dropped"
"#,
        );
        let history = "CREATE TABLE payments (id int);\nCREATE TABLE logs (id int);";
        assert_eq!(
            mysql_findings_after("no-drop-payments", history, "DROP TABLE `payments`;", &settings),
            ["payments tables are never dropped"]
        );
        assert!(mysql_findings_after("no-drop-payments", history, "DROP TABLE logs;", &settings).is_empty());
    }
}
