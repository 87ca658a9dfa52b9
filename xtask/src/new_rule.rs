//! `cargo xtask new-rule <id> <category> [--severity S] [--node KIND]`: every
//! file a new rule needs, written so that the whole test suite passes before
//! the author changes a line (the snapshots of its fixtures excepted, which
//! the command accepts afterwards, see `main.rs`).
//!
//! It writes `src/rules/<id_snake>.rs`, two lines of `src/rules/mod.rs` (the
//! module, and the rule at the end of its category's group), `rules/<id>.md`,
//! `fixtures/<id>/bad_example.sql` and `ok_example.sql`, the README's rules
//! table (through the generator `miglint rules --format markdown` uses) and a
//! CHANGELOG line.

use std::path::Path;

use miglint::{Category, RuleMeta, Severity};

use crate::statement_kinds::{StatementKind, ALTER_TABLE, DEFAULT};

/// What the author asked for, checked.
pub struct NewRule {
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    pub kind: &'static StatementKind,
}

/// Categories whose rules the engine reports itself or that judge git
/// history, not one statement: the scaffold's check does not fit them.
const NOT_SCAFFOLDED: [Category; 3] = [Category::Syntax, Category::Suppression, Category::History];

impl NewRule {
    /// From the command's arguments: `<id> <category> [--severity error|warning|info] [--node KIND]`.
    pub fn from_args(args: &[String]) -> Result<NewRule, String> {
        let mut positional = Vec::new();
        let mut severity = None;
        let mut node = DEFAULT.to_string();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| args.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
            match arg.as_str() {
                "--severity" => severity = Some(value("--severity")?),
                "--node" => node = value("--node")?,
                flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
                _ => positional.push(arg.clone()),
            }
        }
        let [id, category] = positional.as_slice() else {
            return Err("expected `<id> <category>`".to_string());
        };
        NewRule::new(id, category, severity.as_deref(), &node)
    }

    pub fn new(id: &str, category: &str, severity: Option<&str>, node: &str) -> Result<NewRule, String> {
        if !is_kebab_case(id) {
            return Err(format!(
                "`{id}` is not a kebab-case id: lowercase words of letters joined by single hyphens, e.g. `ban-drop-view`"
            ));
        }
        let scaffolded = NewRule::categories();
        let category = match Category::parse(category) {
            Some(c) if NOT_SCAFFOLDED.contains(&c) => {
                return Err(format!(
                    "the scaffold writes statement rules; `{category}` rules are reported by the engine or judge git history (categories: {})",
                    scaffolded.join(", ")
                ))
            }
            Some(c) => c,
            None => {
                return Err(format!(
                    "unknown category `{category}`: one of {}",
                    scaffolded.join(", ")
                ))
            }
        };
        let severity = match severity {
            None if category == Category::Style => Severity::Warning,
            None => Severity::Error,
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some("info") => Severity::Info,
            Some(other) => return Err(format!("unknown severity `{other}`: error, warning or info")),
        };
        let kind = StatementKind::find(node).ok_or_else(|| {
            format!(
                "no scaffold for the statement node `{node}`: one of {}",
                StatementKind::names().join(", ")
            )
        })?;
        Ok(NewRule {
            id: id.to_string(),
            category,
            severity,
            kind,
        })
    }

    /// The categories the scaffold writes rules of.
    pub fn categories() -> Vec<&'static str> {
        Category::ALL
            .into_iter()
            .filter(|c| !NOT_SCAFFOLDED.contains(c))
            .map(Category::as_str)
            .collect()
    }

    /// `ban-drop-view` -> `ban_drop_view`, the module and file name.
    pub fn module(&self) -> String {
        self.id.replace('-', "_")
    }

    /// `ban-drop-view` -> `ban_drop_view_example`: the name in the
    /// scaffold's SQL, and the only one its placeholder check flags.
    pub fn example_name(&self) -> String {
        format!("{}_example", self.module())
    }

    /// `ban-drop-view` -> `BanDropView`, the rule's unit struct.
    pub fn type_name(&self) -> String {
        self.id
            .split('-')
            .map(|word| word[..1].to_uppercase() + &word[1..])
            .collect()
    }
}

/// The ids the rule list accepts (`tests/it/meta.rs`): lowercase letters in
/// words joined by single hyphens.
fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()))
}

/// Writes every file of `rule` under `root`, a copy of the repository;
/// returns the files written or changed, relative to `root`. Nothing is
/// written when the id is taken or a file it would write exists.
pub fn write_new_rule(root: &Path, rule: &NewRule) -> Result<Vec<String>, String> {
    let id = &rule.id;
    if miglint::rule(id).is_some() {
        return Err(format!("a rule `{id}` exists already"));
    }
    let source = format!("src/rules/{}.rs", rule.module());
    let doc_file = format!("rules/{id}.md");
    let fixtures = format!("fixtures/{id}");
    for taken in [&source, &doc_file, &fixtures] {
        if root.join(taken).exists() {
            return Err(format!("{taken} exists already: the id `{id}` is taken"));
        }
    }
    // Snapshots left by a removed rule of that id would fail its new fixtures.
    let snapshots = root.join(SNAPSHOTS);
    if let Ok(entries) = std::fs::read_dir(&snapshots) {
        let prefix = format!("{id}__");
        if let Some(stale) = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .find(|name| name.starts_with(&prefix))
        {
            return Err(format!(
                "{SNAPSHOTS}/{stale} exists: delete the snapshots of the old `{id}` first"
            ));
        }
    }
    // Everything is prepared before the first write, so that a file the
    // scaffold cannot read or understand leaves the repository as it was.
    let since = package_version(&crate::read(root, "Cargo.toml")?)?;
    let doc = doc(rule);
    let (registry, position) = register(&crate::read(root, "src/rules/mod.rs")?, rule)?;
    let changelog = changelog_entry(&crate::read(root, "CHANGELOG.md")?, rule)?;
    // The README lists the rules miglint was built with, and this one where
    // the rule list now has it.
    let meta = RuleMeta {
        id: leak(id.clone()),
        category: rule.category,
        default_severity: rule.severity,
        enabled_by_default: true,
        since: leak(since.clone()),
        doc: leak(doc.clone()),
    };
    let mut metas: Vec<&RuleMeta> = miglint::rules().collect();
    metas.insert(position, &meta);
    let readme = crate::readme::with_rules_table(&crate::read(root, "README.md")?, metas)?;
    let (example, fine) = (
        rule.kind.example(&rule.example_name()),
        rule.kind.fine(&rule.example_name()),
    );

    crate::write(root, &source, &rule_source(rule, &since))?;
    if let Err(error) = rustfmt(root, &source) {
        let _ = std::fs::remove_file(root.join(&source));
        return Err(error);
    }
    let bad = format!("{fixtures}/bad_example.sql");
    let ok = format!("{fixtures}/ok_example.sql");
    crate::write(root, "src/rules/mod.rs", &registry)?;
    crate::write(root, &doc_file, &doc)?;
    crate::write(root, &bad, &format!("{}-- expect: {id}\n{example}", rule.kind.setup))?;
    crate::write(root, &ok, &format!("{}{fine}", rule.kind.setup))?;
    crate::write(root, "README.md", &readme)?;
    crate::write(root, "CHANGELOG.md", &changelog)?;

    Ok(vec![
        source,
        "src/rules/mod.rs".to_string(),
        doc_file,
        bad,
        ok,
        "README.md".to_string(),
        "CHANGELOG.md".to_string(),
    ])
}

/// Where the fixtures' insta snapshots are.
pub const SNAPSHOTS: &str = "tests/snapshots";

/// Formats the generated rule as `cargo fmt` would (an id's length decides
/// where lines break); a failure means the scaffold wrote invalid Rust. Left
/// as written when rustfmt is not installed.
fn rustfmt(root: &Path, relative: &str) -> Result<(), String> {
    let run = std::process::Command::new("rustfmt")
        .args(["--edition", "2021"])
        .arg(root.join(relative))
        .output();
    match run {
        Ok(output) if !output.status.success() => Err(format!(
            "rustfmt failed on {relative}: {}",
            String::from_utf8_lossy(&output.stderr)
        )),
        _ => Ok(()),
    }
}

/// A string for the life of the process, as `RuleMeta` holds them.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The `version` of the `[package]` of `Cargo.toml`: the rule's `since`.
fn package_version(manifest: &str) -> Result<String, String> {
    let package = manifest.split("\n[").next().unwrap_or("");
    package
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_string)
        .ok_or_else(|| "Cargo.toml: no version in [package]".to_string())
}

/// `mod_rs` with the rule's module among the rule modules (in name order)
/// and the rule after the last rule of its category in `RULES` (or at the
/// end, after a comment naming the category); and the rule's position in
/// `RULES`.
fn register(mod_rs: &str, rule: &NewRule) -> Result<(String, usize), String> {
    let mut lines: Vec<String> = mod_rs.lines().map(str::to_string).collect();
    let unexpected = |what: &str| format!("src/rules/mod.rs: cannot find {what}; add the rule by hand");

    let list_start = lines
        .iter()
        .position(|l| l.starts_with("static RULES: &[&dyn Rule] = &["))
        .ok_or_else(|| unexpected("`static RULES: &[&dyn Rule] = &[`"))?;
    let list_end = list_start
        + lines[list_start..]
            .iter()
            .position(|l| l.trim() == "];")
            .ok_or_else(|| unexpected("the end of `RULES`"))?;
    let entries: Vec<usize> = (list_start + 1..list_end)
        .filter(|&i| lines[i].trim().starts_with('&'))
        .collect();
    let category_of = |line: &str| {
        let module = line.trim().trim_start_matches('&').split("::").next()?;
        miglint::rule(&module.replace('_', "-")).map(|r| r.category)
    };
    let same_category = entries
        .iter()
        .rposition(|&i| category_of(&lines[i]) == Some(rule.category));
    let entry = format!("    &{}::{},", rule.module(), rule.type_name());
    let position = match same_category {
        Some(last) => {
            lines.insert(entries[last] + 1, entry);
            last + 1
        }
        None => {
            lines.insert(list_end, format!("    // {}", rule.category.as_str()));
            lines.insert(list_end + 1, entry);
            entries.len()
        }
    };

    // The rule modules: the `pub(crate) mod` lines just above `RULES`.
    let mut block_end = list_start;
    while block_end > 0 && lines[block_end - 1].trim().is_empty() {
        block_end -= 1;
    }
    let mut block_start = block_end;
    while block_start > 0 && lines[block_start - 1].starts_with("pub(crate) mod ") {
        block_start -= 1;
    }
    if block_start == block_end {
        return Err(unexpected("the `pub(crate) mod` lines of the rules above `RULES`"));
    }
    let declaration = format!("pub(crate) mod {};", rule.module());
    let at = (block_start..block_end)
        .find(|&i| lines[i].as_str() > declaration.as_str())
        .unwrap_or(block_end);
    lines.insert(at, declaration);

    Ok((lines.join("\n") + "\n", position))
}

/// `changelog` with a line for the rule at the top of `[Unreleased]`'s
/// `### Added`.
fn changelog_entry(changelog: &str, rule: &NewRule) -> Result<String, String> {
    let line = format!(
        "- The rule `{}` ({}, {} by default): todo, what it flags.\n",
        rule.id,
        rule.category.as_str(),
        rule.severity.as_str(),
    );
    let unreleased = changelog
        .find("\n## [Unreleased]\n")
        .ok_or_else(|| "CHANGELOG.md: no `## [Unreleased]` section".to_string())?
        + 1;
    let section_end = changelog[unreleased + 1..]
        .find("\n## ")
        .map_or(changelog.len(), |e| unreleased + 1 + e + 1);
    let at = match changelog[unreleased..section_end].find("\n### Added\n") {
        Some(added) => unreleased + added + "\n### Added\n".len(),
        None => {
            let heading_end = unreleased + changelog[unreleased..].find('\n').map_or(0, |e| e + 1);
            return Ok(format!(
                "{}\n### Added\n{line}{}",
                &changelog[..heading_end],
                &changelog[heading_end..]
            ));
        }
    };
    Ok(format!("{}{line}{}", &changelog[..at], &changelog[at..]))
}

/// `rules/<id>.md`, with every heading the doc tests require, the example
/// under `## Example` and the fine statements under `## Use instead`.
fn doc(rule: &NewRule) -> String {
    let kind = rule.kind;
    let what = if kind.node == ALTER_TABLE {
        "Flags `ALTER TABLE ... ADD COLUMN` on a table that existed before the migration (todo: what the rule flags, in this sentence: its summary in the README)."
            .to_string()
    } else {
        format!(
            "Flags `{}` (todo: what the rule flags, in this sentence: its summary in the README).",
            kind.statement
        )
    };
    format!(
        "# {id}\n\
         \n\
         ## What it does\n\
         {what}\n\
         \n\
         ## Why is this bad?\n\
         Todo: the lock the statement takes and on what, what that lock blocks (reads, writes) and for how long; or the \
         rewrite, the scan or the data lost.\n\
         \n\
         ## Example\n\
         ```sql\n\
         {example}```\n\
         \n\
         ## Use instead\n\
         ```sql\n\
         {fine}```\n\
         \n\
         ## Options\n\
         None.\n\
         \n\
         ## Known limitations\n\
         None known.\n\
         \n\
         ## References\n\
         - {reference}\n",
        id = rule.id,
        example = kind.example(&rule.example_name()),
        fine = kind.fine(&rule.example_name()),
        reference = kind.reference_url(),
    )
}

/// `src/rules/<id_snake>.rs`: the declaration, a check that returns early
/// for other statements, and smoke tests of the scaffold's own behaviour.
/// Until the author writes the real condition, the check flags only
/// statements that name the placeholder: flagging every statement of its
/// kind would break the fixtures of other rules.
fn rule_source(rule: &NewRule, since: &str) -> String {
    let kind = rule.kind;
    let name = rule.example_name();
    let declaration = format!(
        "crate::rule::declare_rule!({}, id: \"{}\", category: {:?}, severity: {:?}, since: \"{since}\");",
        rule.type_name(),
        rule.id,
        rule.category,
        rule.severity,
    );
    let help = "todo: the safe way, in steps (rules::recipe::numbered_steps numbers them)";
    let (imports, check, message) = if kind.node == ALTER_TABLE {
        let imports = "use pg_query::protobuf::AlterTableType;\n\n\
                       use crate::analysis::StatementContext;\n\
                       use crate::diagnostic::Finding;\n\
                       use crate::rule::Rule;\n\
                       use crate::rules::alter_table::AlterTable;\n";
        let check = format!(
            "        // A table the file created is empty: locking it blocks nobody.\n\
             \x20       let Some(alter) = AlterTable::of_existing_table(ctx) else {{\n\
             \x20           return;\n\
             \x20       }};\n\
             \x20       // todo: the rule's condition, instead of the placeholder.\n\
             \x20       if alter.relation.name != PLACEHOLDER {{\n\
             \x20           return;\n\
             \x20       }}\n\
             \x20       // todo: the actions the rule is about: `actions_of(...)`, `added_columns()`, `added_constraints()`.\n\
             \x20       for action in alter.actions_of(AlterTableType::AtAddColumn) {{\n\
             \x20           out.push(\n\
             \x20               Finding::new(\n\
             \x20                   action.span(),\n\
             \x20                   format!(\"todo: say what this does to {{}} in the database\", alter.relation),\n\
             \x20               )\n\
             \x20               .label(alter.name_span(), alter.lock.describe())\n\
             \x20               .help(\"{help}\")\n\
             \x20               .lock(&alter.lock.relation, alter.lock.mode),\n\
             \x20           );\n\
             \x20       }}\n"
        );
        let message = format!("todo: say what this does to \"{name}\" in the database");
        (imports, check, message)
    } else {
        let imports = "use pg_query::NodeEnum;\n\n\
                       use crate::analysis::StatementContext;\n\
                       use crate::diagnostic::Finding;\n\
                       use crate::rule::Rule;\n";
        let message = format!("todo: say what this {} does in the database", kind.statement);
        let check = format!(
            "        // `_stmt` is the statement's tree: `pg_query::protobuf::{node}`.\n\
             \x20       let NodeEnum::{node}(_stmt) = ctx.node() else {{\n\
             \x20           return;\n\
             \x20       }};\n\
             \x20       // todo: the rule's condition, instead of the placeholder.\n\
             \x20       if !ctx.tokens().iter().any(|token| token.is(PLACEHOLDER)) {{\n\
             \x20           return;\n\
             \x20       }}\n\
             \x20       out.push(Finding::new(ctx.span(), \"{message}\").help(\"{help}\"));\n",
            node = kind.node,
        );
        (imports, check, message)
    };
    let flagged = rust_string(kind.example(&name).trim_end());
    let fine = rust_string(kind.fine(&name).trim_end());
    let message = rust_string(&message);
    format!(
        "//! `{id}`: todo: what the rule catches, and why it matters, in a line or two.\n\
         \n\
         {imports}\
         \n\
         {declaration}\n\
         \n\
         /// todo: remove. Until the rule has its real condition it flags only\n\
         /// statements on this name, its example's, so that it leaves the\n\
         /// fixtures of other rules alone.\n\
         const PLACEHOLDER: &str = \"{name}\";\n\
         \n\
         impl Rule for {type_name} {{\n\
         \x20   fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {{\n\
         {check}\
         \x20   }}\n\
         }}\n\
         \n\
         #[cfg(test)]\n\
         mod tests {{\n\
         \x20   use crate::tests::rules::findings;\n\
         \n\
         \x20   const ID: &str = \"{id}\";\n\
         \n\
         \x20   #[test]\n\
         \x20   fn flags_the_example() {{\n\
         \x20       assert_eq!(findings(ID, {flagged}), [{message}]);\n\
         \x20   }}\n\
         \n\
         \x20   #[test]\n\
         \x20   fn leaves_the_recipe_alone() {{\n\
         \x20       assert!(findings(ID, {fine}).is_empty());\n\
         \x20   }}\n\
         }}\n",
        id = rule.id,
        type_name = rule.type_name(),
    )
}

/// `text` as a Rust string literal.
fn rust_string(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn refuses_bad_ids_unknown_categories_severities_and_nodes() {
        let error = |text: &str| NewRule::from_args(&args(text)).err().unwrap();
        assert!(error("Ban-Drop-View locking").contains("not a kebab-case id"));
        assert!(error("ban_drop_view locking").contains("not a kebab-case id"));
        assert!(error("ban--drop locking").contains("not a kebab-case id"));
        assert!(error("ban-drop- locking").contains("not a kebab-case id"));
        assert!(error("prefer-int8 style").contains("not a kebab-case id"));
        assert!(error("ban-drop-view locks").contains("unknown category `locks`: one of data-loss, locking"));
        assert!(error("ban-drop-view history").contains("judge git history"));
        assert!(error("ban-drop-view locking --severity fatal").contains("unknown severity"));
        assert!(error("ban-drop-view locking --node DropStmts").contains("no scaffold for the statement node"));
        assert!(error("ban-drop-view").contains("expected `<id> <category>`"));
        assert!(error("ban-drop-view locking --frobnicate").contains("unknown option"));

        let rule = NewRule::from_args(&args("ban-drop-view data-loss --node DropStmt")).unwrap();
        assert_eq!(
            (rule.module().as_str(), rule.type_name().as_str()),
            ("ban_drop_view", "BanDropView")
        );
        assert_eq!((rule.severity, rule.kind.node), (Severity::Error, "DropStmt"));
        let style = NewRule::from_args(&args("prefer-uuid style")).unwrap();
        assert_eq!((style.severity, style.kind.node), (Severity::Warning, ALTER_TABLE));
        let info = NewRule::from_args(&args("note-uuid style --severity info")).unwrap();
        assert_eq!(info.severity, Severity::Info);
    }

    /// The files the scaffold reads, copied from the repository.
    fn copy_of_the_repository() -> tempfile::TempDir {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "Cargo.toml",
            "rustfmt.toml",
            "README.md",
            "CHANGELOG.md",
            "src/rules/mod.rs",
        ] {
            let text = std::fs::read_to_string(repo.join(file)).unwrap();
            crate::write(dir.path(), file, &text).unwrap();
        }
        dir
    }

    fn read(dir: &tempfile::TempDir, file: &str) -> String {
        std::fs::read_to_string(dir.path().join(file)).unwrap()
    }

    #[test]
    fn writes_every_file_of_a_rule_and_refuses_an_id_that_exists() {
        let dir = copy_of_the_repository();
        let before = |file: &str| read(&dir, file);
        let (mod_rs, readme, changelog) = (before("src/rules/mod.rs"), before("README.md"), before("CHANGELOG.md"));
        let rule = NewRule::new("ban-drop-view", "data-loss", None, "DropStmt").unwrap();

        let written = write_new_rule(dir.path(), &rule).unwrap();
        assert_eq!(
            written,
            [
                "src/rules/ban_drop_view.rs",
                "src/rules/mod.rs",
                "rules/ban-drop-view.md",
                "fixtures/ban-drop-view/bad_example.sql",
                "fixtures/ban-drop-view/ok_example.sql",
                "README.md",
                "CHANGELOG.md"
            ]
        );

        let source = read(&dir, "src/rules/ban_drop_view.rs");
        assert!(source.contains(
            "crate::rule::declare_rule!(BanDropView, id: \"ban-drop-view\", category: DataLoss, severity: Error, since: \"0.1.0\");"
        ));
        assert!(source.contains("let NodeEnum::DropStmt(_stmt) = ctx.node() else {\n            return;\n        };"));
        assert!(source.contains("const PLACEHOLDER: &str = \"ban_drop_view_example\";"));
        assert!(source.contains("findings(ID, \"DROP VIEW ban_drop_view_example;\")"));
        assert_eq!(source.matches("#[test]").count(), 2);

        // Two lines in the rule list: the module in name order, the rule
        // after the last data-loss rule.
        let registry = read(&dir, "src/rules/mod.rs");
        let added: Vec<&str> = registry.lines().filter(|l| !mod_rs.lines().any(|m| m == *l)).collect();
        assert_eq!(
            added,
            ["pub(crate) mod ban_drop_view;", "    &ban_drop_view::BanDropView,"]
        );
        assert!(registry
            .contains("pub(crate) mod ban_drop_table;\npub(crate) mod ban_drop_view;\npub(crate) mod ban_truncate;\n"));
        assert!(registry
            .contains("    &ban_delete_without_where::BanDeleteWithoutWhere,\n    &ban_drop_view::BanDropView,\n"));

        let doc = read(&dir, "rules/ban-drop-view.md");
        let headings: Vec<&str> = doc.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(
            headings,
            [
                "# ban-drop-view",
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
                "## Options",
                "## Known limitations",
                "## References"
            ]
        );
        assert!(doc.contains("## Example\n```sql\nDROP VIEW ban_drop_view_example;\n```\n"));

        assert_eq!(
            read(&dir, "fixtures/ban-drop-view/bad_example.sql"),
            "SET lock_timeout = '5s';\n-- expect: ban-drop-view\nDROP VIEW ban_drop_view_example;\n"
        );
        assert!(!read(&dir, "fixtures/ban-drop-view/ok_example.sql").contains("expect"));

        // The README's table gains the rule's row after the last data-loss
        // rule's, as the rule list has it; nothing else changes.
        let new_readme = read(&dir, "README.md");
        let row = "| [`ban-drop-view`](rules/ban-drop-view.md) | data-loss | error | Flags `DROP` (todo: what the rule flags, in this sentence: its summary in the README). |";
        let added: Vec<&str> = new_readme
            .lines()
            .filter(|l| !readme.lines().any(|m| m == *l))
            .collect();
        assert_eq!(added, [row]);
        let after_delete = new_readme.find("rules/ban-delete-without-where.md").unwrap();
        assert!(new_readme[after_delete..].split_once('\n').unwrap().1.starts_with(row));

        let entry = "- The rule `ban-drop-view` (data-loss, error by default): todo, what it flags.\n";
        assert_eq!(
            read(&dir, "CHANGELOG.md"),
            changelog.replacen(
                "\n## [Unreleased]\n\n### Added\n",
                &format!("\n## [Unreleased]\n\n### Added\n{entry}"),
                1
            )
        );

        // Once written, the id is taken; so is an id of an existing rule.
        let again = write_new_rule(dir.path(), &rule).unwrap_err();
        assert!(again.contains("src/rules/ban_drop_view.rs exists already"), "{again}");
        let existing = NewRule::new("ban-drop-table", "data-loss", None, "DropStmt").unwrap();
        assert!(write_new_rule(dir.path(), &existing)
            .unwrap_err()
            .contains("exists already"));
    }

    #[test]
    fn the_changelog_gains_an_added_section_when_unreleased_has_none() {
        let rule = NewRule::new("ban-drop-view", "data-loss", None, "DropStmt").unwrap();
        let changelog = "# Changelog\n\n## [Unreleased]\n\n### Fixed\n- a fix\n\n## [0.1.0]\n\n### Added\n- old\n";
        assert_eq!(
            changelog_entry(changelog, &rule).unwrap(),
            "# Changelog\n\n## [Unreleased]\n\n### Added\n\
             - The rule `ban-drop-view` (data-loss, error by default): todo, what it flags.\n\
             \n### Fixed\n- a fix\n\n## [0.1.0]\n\n### Added\n- old\n"
        );
        assert!(changelog_entry("# Changelog\n", &rule)
            .unwrap_err()
            .contains("no `## [Unreleased]`"));
    }

    #[test]
    fn an_alter_table_rule_starts_from_the_shared_helper() {
        let dir = copy_of_the_repository();
        let rule = NewRule::new("prefer-something", "style", None, ALTER_TABLE).unwrap();
        write_new_rule(dir.path(), &rule).unwrap();
        let source = read(&dir, "src/rules/prefer_something.rs");
        assert!(source.contains("AlterTable::of_existing_table(ctx)"));
        assert!(source.contains("severity: Warning"));
        assert!(source.contains("if alter.relation.name != PLACEHOLDER {"));
        assert!(source.contains("[\"todo: say what this does to \\\"prefer_something_example\\\" in the database\"]"));
        let registry = read(&dir, "src/rules/mod.rs");
        // At the end of the style group: after its rules, before the next group.
        let at = registry
            .find("    &prefer_something::PreferSomething,\n")
            .expect("registered");
        assert!(registry
            .find("    &prefer_jsonb::PreferJsonb,\n")
            .is_some_and(|style| style < at));
        assert!(registry.find("    // history").is_some_and(|next| at < next));
    }
}
