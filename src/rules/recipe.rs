//! Text that rules share: the safe version of the very statement a rule
//! flags, the steps of a recipe, and the names the recipes give.

use pg_query::protobuf::IndexStmt;
use pg_query::NodeEnum;

use crate::analysis::facts::PartitionIndexes;
use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::{Applicability, Edit, Fix, NewFile};
use crate::input::layout::{no_transaction_hint, RunnerTransaction, Tool};

/// The statement's text with `insert` placed after its first `word` token,
/// e.g. `CREATE INDEX CONCURRENTLY i ON t (a);`.
pub(crate) fn insert_after_word(ctx: StatementContext<'_>, word: &str, insert: &str) -> String {
    let text = &ctx.file.source.text;
    let span = ctx.span();
    match ctx.tokens().iter().find(|t| t.is(word)) {
        Some(token) => format!(
            "{} {insert}{};",
            &text[span.start..token.span.end],
            &text[token.span.end..span.end]
        ),
        None => format!("{};", &text[span.start..span.end]),
    }
}

/// Where a recipe that must run outside a transaction block has to go when
/// the flagged statement runs inside one: None in autocommit.
pub(crate) fn outside_transaction_note(ctx: StatementContext<'_>) -> Option<String> {
    if ctx.transaction().is_some() {
        let sqitch = if ctx.file.script.tool == Tool::Sqitch {
            "; Sqitch runs a deploy script with psql and has no transaction setting of its own on PostgreSQL: the script's BEGIN and COMMIT are its only transaction"
        } else {
            ""
        };
        Some(format!(
            "move it out of the BEGIN ... COMMIT block: CONCURRENTLY is refused inside one{sqitch}"
        ))
    } else if ctx.in_implicit_transaction() {
        Some(format!(
            "{}, where CONCURRENTLY is refused: {}",
            runner_wraps(ctx),
            leave_runner_transaction(ctx)
        ))
    } else {
        None
    }
}

/// Who wraps the statement's file in a transaction, as the start of a
/// sentence: the file's tool, or the runner the configuration describes.
pub(crate) fn runner_wraps(ctx: StatementContext<'_>) -> String {
    let script = ctx.file.script;
    let tool = script.tool.display_name();
    match script.transaction {
        RunnerTransaction::None | RunnerTransaction::PerFile if script.tool == crate::input::layout::Tool::Plain => {
            "the migration runner runs this file in one transaction".to_string()
        }
        RunnerTransaction::None | RunnerTransaction::PerFile => format!("{tool} runs this migration in one transaction"),
        RunnerTransaction::Batch => format!(
            "{tool} sends this file as one multi-statement query, which PostgreSQL runs as one transaction"
        ),
        RunnerTransaction::Detected => format!(
            "{tool} runs this script in a transaction because it mixes statements that need one with statements that refuse one"
        ),
        RunnerTransaction::AllPending => format!("{tool} runs all pending migrations in one transaction"),
    }
}

/// How to get one statement out of the runner's transaction with the
/// file's tool.
pub(crate) fn leave_runner_transaction(ctx: StatementContext<'_>) -> String {
    let script = ctx.file.script;
    if script.transaction == RunnerTransaction::Detected {
        return format!(
            "give it a migration of its own, which {} runs outside a transaction (or {})",
            script.tool.display_name(),
            settings_file_hint(ctx)
                .or_else(|| no_transaction_hint(script.tool, &ctx.file.source.path))
                .unwrap_or_default()
        );
    }
    let own = "move the statement to a migration of its own";
    if let Some(hint) = settings_file_hint(ctx) {
        return format!("{own}, or {hint}");
    }
    match no_transaction_hint(script.tool, &ctx.file.source.path) {
        Some(hint)
            if script.transaction == RunnerTransaction::Batch || script.tool == crate::input::layout::Tool::Drizzle =>
        {
            hint
        }
        Some(hint) => format!("{own}, and {hint}"),
        None if script.transaction == RunnerTransaction::Batch => {
            format!("{own}: a file holding one statement runs outside any transaction")
        }
        None => format!("{own} that the runner runs without a transaction"),
    }
}

/// How to opt out in the settings file the migration already has (Diesel's
/// `metadata.toml`, a Flyway `<script>.conf`), which miglint's fix does not
/// edit: None when it has none.
fn settings_file_hint(ctx: StatementContext<'_>) -> Option<String> {
    let script = ctx.file.script;
    if !script.settings_file {
        return None;
    }
    let path = &ctx.file.source.path;
    let (file, line) = match script.tool {
        Tool::Diesel => (
            format!("{}/metadata.toml", path.rsplit_once('/').map_or(".", |(dir, _)| dir)),
            "run_in_transaction = false",
        ),
        Tool::Flyway => (format!("{path}.conf"), "executeInTransaction=false"),
        _ => return None,
    };
    Some(format!(
        "set `{line}` in `{file}` (miglint offers no fix here: it adds that file, and does not edit one that exists)"
    ))
}

/// `intro` followed by the steps, numbered from 1, one per line: the one
/// place recipes are numbered. A step that runs over several lines indents
/// its later lines by five spaces, under the step's text.
pub(crate) fn numbered_steps<S: AsRef<str>>(intro: &str, steps: &[S]) -> String {
    let mut text = intro.to_string();
    for (n, step) in steps.iter().enumerate() {
        text.push_str(&format!("\n  {}. {}", n + 1, step.as_ref()));
    }
    text
}

/// ` "name"` to follow the kind of a constraint in a message (`exclusion
/// constraint "no_overlap"`), nothing for an unnamed one.
pub(crate) fn constraint_name_in_message(conname: &str) -> String {
    if conname.is_empty() {
        String::new()
    } else {
        format!(" \"{conname}\"")
    }
}

/// The name, as SQL, of the CHECK constraint a recipe adds to prove a
/// column NOT NULL without a long lock: `users_email_not_null`.
pub(crate) fn not_null_check_name(table: &RelationName, column: &str) -> String {
    quote_ident(&format!("{}_{column}_not_null", table.name))
}

/// `ALTER TABLE t ADD CONSTRAINT check CHECK (c IS NOT NULL) NOT VALID;`
/// (`table`, `column` and `check` as SQL).
pub(crate) fn add_not_null_check(table: &str, column: &str, check: &str) -> String {
    format!("ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;")
}

/// `ALTER TABLE t VALIDATE CONSTRAINT name;` (`table` and `name` as SQL).
pub(crate) fn validate_constraint(table: &str, name: &str) -> String {
    format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name};")
}

/// How many partitions a recipe names one by one before it says "the same
/// for the others".
const PARTITIONS_SPELLED: usize = 4;

/// The steps that build an index on a partitioned table without blocking
/// writes, since PostgreSQL refuses `CREATE INDEX CONCURRENTLY` there: the
/// parent's index `ON ONLY` (catalog only, invalid), each partition's index
/// `CONCURRENTLY`, then each attached to the parent's, which becomes valid
/// once every partition's is. A partition that is partitioned in turn gets
/// the same steps; one that holds a matching index has it attached. `tree`
/// is the parent and the partitions the catalog knows; with none known the
/// steps say `<partition>`.
pub(crate) fn partitioned_index_steps(
    ctx: StatementContext<'_>,
    stmt: &IndexStmt,
    tree: &PartitionIndexes,
) -> Vec<String> {
    let Some(rv) = &stmt.relation else { return Vec::new() };
    let text = &ctx.file.source.text;
    let span = ctx.span();
    let name_span = ctx.name_at(rv.location);
    let on = ctx
        .tokens()
        .iter()
        .find(|t| t.is("on"))
        .map_or(name_span.start, |t| t.span.start);
    // `CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name]`, and what follows the
    // table's name: `(a, b) WHERE ...`, `USING gin (...)`.
    let head = text[span.start..on].trim_end();
    let rest = text[name_span.end..span.end].trim_end().trim_end_matches(';');
    let parent = &text[name_span.start..name_span.end];
    let unique = if stmt.unique { "UNIQUE " } else { "" };
    let name = if stmt.idxname.is_empty() {
        format!("{}_idx", tree.table.name)
    } else {
        stmt.idxname.clone()
    };
    let parent_head = if stmt.idxname.is_empty() {
        format!("{head} {}", quote_ident(&name))
    } else {
        head.to_string()
    };
    let mut steps = vec![format!("{parent_head} ON ONLY {parent}{rest};")];
    let mut builds = Vec::new();
    let mut attaches = Vec::new();
    // Partitions are named as the statement names the parent: unqualified
    // when it is and they share its schema.
    let schema = tree.table.schema.clone().filter(|_| !rv.schemaname.is_empty());
    let names = Names { unique, rest, schema };
    partition_steps(&names, &name, tree, &mut steps, &mut builds, &mut attaches);
    if tree.partitions.is_empty() {
        let index = quote_ident(&format!("<partition>_{name}"));
        builds.push(format!(
            "CREATE {unique}INDEX CONCURRENTLY {index} ON <partition>{rest};"
        ));
        attaches.push(format!("ALTER INDEX {} ATTACH PARTITION {index};", quote_ident(&name)));
        steps.push(format!(
            "for each partition, outside a transaction block: {}",
            builds.join(" ")
        ));
        steps.push(format!("for each partition: {}", attaches.join(" ")));
        return steps;
    }
    let spelled = builds.len().min(PARTITIONS_SPELLED);
    let others = builds.len() - spelled;
    let mut build_step = format!(
        "outside a transaction block, one statement at a time:\n     {}",
        builds[..spelled].join("\n     ")
    );
    if others > 0 {
        build_step.push_str(&format!("\n     ... and the same for the {others} other partitions"));
    }
    steps.push(build_step);
    let mut attach_step = attaches[..attaches.len().min(PARTITIONS_SPELLED)].join("\n     ");
    if attaches.len() > PARTITIONS_SPELLED {
        attach_step.push_str(&format!(
            "\n     ... and the same for the {} other partitions",
            attaches.len() - PARTITIONS_SPELLED
        ));
    }
    steps.push(attach_step);
    steps
}

/// The steps under one partitioned table whose index is `parent_index`:
/// builds (leaf partitions, `CONCURRENTLY`) and attaches, the parent's
/// `ON ONLY` index of a partitioned partition among the builds.
fn partition_steps(
    names: &Names<'_>,
    parent_index: &str,
    tree: &PartitionIndexes,
    steps: &mut Vec<String>,
    builds: &mut Vec<String>,
    attaches: &mut Vec<String>,
) {
    let Names { unique, rest, .. } = names;
    for partition in &tree.partitions {
        let table = names.table(&partition.table);
        let index = match &partition.adopts {
            Some(existing) => existing.name.clone(),
            None => partition_index_name(parent_index, &tree.table.name, &partition.table.name),
        };
        if partition.adopts.is_none() {
            if partition.partitioned {
                steps.push(format!(
                    "CREATE {unique}INDEX {} ON ONLY {table}{rest};",
                    quote_ident(&index)
                ));
                partition_steps(names, &index, partition, steps, builds, attaches);
            } else {
                builds.push(format!(
                    "CREATE {unique}INDEX CONCURRENTLY {} ON {table}{rest};",
                    quote_ident(&index)
                ));
            }
        }
        attaches.push(format!(
            "ALTER INDEX {} ATTACH PARTITION {};",
            quote_ident(parent_index),
            quote_ident(&index)
        ));
    }
}

/// What every step of a partitioned index recipe shares.
struct Names<'a> {
    /// `UNIQUE ` or nothing.
    unique: &'a str,
    /// What follows the table's name in the statement: `(a, b) WHERE ...`.
    rest: &'a str,
    /// The schema the statement names the parent in, if it does.
    schema: Option<String>,
}

impl Names<'_> {
    fn table(&self, partition: &RelationName) -> String {
        let written = RelationName::new(self.schema.as_deref(), "");
        partition_sql(&written, partition)
    }
}

/// A partition's name as SQL in a recipe for `table` as the statement
/// writes it: qualified when the statement qualifies the table or the
/// partition is outside `public`.
pub(crate) fn partition_sql(table: &RelationName, partition: &RelationName) -> String {
    if table.schema.is_none() && partition.schema.as_deref() == Some("public") {
        quote_ident(&partition.name)
    } else {
        partition.to_sql()
    }
}

/// One step of a recipe run on each partition: `intro`, then `each` of the
/// first few partitions one per line, and how many more get the same. With
/// no partition known, the statement is shown once for `<partition>`.
pub(crate) fn per_partition(
    intro: &str,
    partitions: &[(String, String)],
    each: impl Fn(&str, &str) -> String,
) -> String {
    if partitions.is_empty() {
        return format!("{intro} {}", each("<partition>", "<partition>_name"));
    }
    let mut text = intro.to_string();
    for (sql, name) in partitions.iter().take(PARTITIONS_SPELLED) {
        text.push_str(&format!("\n     {}", each(sql, name)));
    }
    if partitions.len() > PARTITIONS_SPELLED {
        text.push_str(&format!(
            "\n     ... and the same for the {} other partitions",
            partitions.len() - PARTITIONS_SPELLED
        ));
    }
    text
}

/// Each partition as SQL (see `partition_sql`) with the name its copy of
/// `object` (a constraint or an index of `table`) gets.
pub(crate) fn partition_names(
    table: &RelationName,
    object: &str,
    partitions: &[RelationName],
) -> Vec<(String, String)> {
    partitions
        .iter()
        .map(|p| {
            (
                partition_sql(table, p),
                quote_ident(&partition_index_name(object, &table.name, &p.name)),
            )
        })
        .collect()
}

/// `parted_1_k` for the index `parted_k` of `parted` on its partition
/// `parted_1`; `parted_1_<index>` when the index's name does not start
/// with its table's.
fn partition_index_name(index: &str, table: &str, partition: &str) -> String {
    match index.strip_prefix(table) {
        Some(suffix) if suffix.starts_with('_') => format!("{partition}{suffix}"),
        _ => format!("{partition}_{index}"),
    }
}

/// The fix that writes `CONCURRENTLY` after the statement's first `word`
/// token and, when the runner wraps the file in a transaction, opts the
/// file out of it the tool's own way: a line of the file (sqlx, goose,
/// Atlas, dbmate), or a settings file added beside it (Diesel's
/// `metadata.toml`, a Flyway `<script>.conf`). None where no edit can do
/// it: inside a `BEGIN ... COMMIT` block or a body, beside a settings file
/// that exists (miglint adds one, never edits one), or with a runner whose
/// opt-out is neither (golang-migrate, Prisma and Supabase send a file of
/// several statements as one transaction; Drizzle Kit has none per file;
/// Sqitch adds no transaction, a script's own `BEGIN` is its only one).
/// Liquibase opts the statement's changeset out on its `--changeset` line.
/// Unsafe when other statements of the file (of the changeset, for
/// Liquibase) but `SET`s would lose their transaction with it.
pub(crate) fn concurrently_fix(ctx: StatementContext<'_>, word: &str, title: &str) -> Option<Fix> {
    if ctx.embedding().is_some() || ctx.transaction().is_some() {
        return None;
    }
    let token = ctx.tokens().iter().find(|t| t.is(word))?;
    let mut edits = vec![Edit::insert(token.span.end, " CONCURRENTLY")];
    let mut applicability = Applicability::Safe;
    let mut new_file = None;
    if ctx.in_implicit_transaction() {
        // Liquibase runs each changeset in a transaction of its own: the
        // others are those of the statement's changeset.
        let part = changeset_of(ctx, ctx.span().start);
        let others: Vec<StatementContext<'_>> = ctx
            .file
            .top_level()
            .filter(|c| c.index != ctx.index && changeset_of(ctx, c.span().start) == part)
            .collect();
        let only_sets = others.iter().all(|c| matches!(c.node(), NodeEnum::VariableSetStmt(_)));
        match opt_out(ctx, others.is_empty())? {
            // Flyway runs a script of statements that all refuse a
            // transaction without one.
            OptOut::Detected => {}
            OptOut::Edit(edit) => edits.push(edit),
            OptOut::NewFile(file) => new_file = Some(file),
        }
        // Diesel's metadata.toml opts the whole migration out: its
        // down.sql too.
        let siblings = new_file.is_some() && ctx.file.script.sibling_holds_several;
        if (!others.is_empty() && !only_sets) || siblings {
            applicability = Applicability::Unsafe;
        }
    }
    let mut fix = Fix::new(title, applicability, edits);
    fix.new_file = new_file;
    Some(fix)
}

/// The Liquibase changeset holding the byte `at` of the file, as the offset
/// its `--changeset` line starts at and whether it runs in a transaction;
/// None for other tools and before the first changeset.
fn changeset_of(ctx: StatementContext<'_>, at: usize) -> Option<(usize, bool)> {
    let script = ctx.file.script;
    if script.tool != Tool::Liquibase {
        return None;
    }
    script
        .segments
        .iter()
        .take_while(|s| s.start <= at)
        .last()
        .map(|s| (s.start, s.transaction))
}

/// How a file leaves its runner's transaction.
enum OptOut {
    /// The runner leaves the transaction out by itself once every
    /// statement refuses one (Flyway).
    Detected,
    /// The tool's marker, written into the file.
    Edit(Edit),
    /// The tool's settings file, added beside the file.
    NewFile(NewFile),
}

/// The tool's own way of running the file without a transaction, as
/// `input::discover` reads it and the tool honours it: sqlx `--
/// no-transaction` as the first line, goose `-- +goose NO TRANSACTION`
/// (for the whole file), Atlas `-- atlas:txmode none` at the top followed
/// by an empty line, dbmate `transaction:false` on the `-- migrate:up`
/// line, Liquibase `runInTransaction:false` on the statement's
/// `--changeset` line (not from a `--rollback`); Diesel
/// `run_in_transaction = false` in a new `metadata.toml` in
/// the migration's folder (for `up.sql`: it covers `down.sql` too), Flyway
/// `executeInTransaction=false` in a new `<script>.conf` beside a script
/// Flyway would not run outside a transaction by itself (`alone`: the
/// statement is the script's only one, which Flyway detects).
fn opt_out(ctx: StatementContext<'_>, alone: bool) -> Option<OptOut> {
    let script = ctx.file.script;
    let path = &ctx.file.source.path;
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if script.transaction == RunnerTransaction::Detected {
        return match script.tool {
            _ if alone => Some(OptOut::Detected),
            Tool::Flyway if !script.settings_file => Some(OptOut::NewFile(NewFile {
                name: format!("{file_name}.conf"),
                content: "executeInTransaction=false\n".to_string(),
            })),
            _ => None,
        };
    }
    if script.transaction != RunnerTransaction::PerFile {
        return None;
    }
    let text = &ctx.file.source.text;
    let edit = match script.tool {
        Tool::Sqlx => Edit::insert(0, "-- no-transaction\n"),
        Tool::Goose => Edit::insert(0, "-- +goose NO TRANSACTION\n"),
        Tool::Atlas => Edit::insert(0, "-- atlas:txmode none\n\n"),
        Tool::Dbmate => {
            let marker = "-- migrate:up";
            let at = text.find(marker)? + marker.len();
            Edit::insert(at, " transaction:false")
        }
        Tool::Liquibase if !script.is_down() => {
            let (start, _) = changeset_of(ctx, ctx.span().start)?;
            let line = &text[start..];
            let end = start + line.find(['\n', '\r']).unwrap_or(line.len());
            let end = start + text[start..end].trim_end().len();
            Edit::insert(end, " runInTransaction:false")
        }
        Tool::Diesel if !script.settings_file && !script.is_down() && file_name.eq_ignore_ascii_case("up.sql") => {
            return Some(OptOut::NewFile(NewFile {
                name: "metadata.toml".to_string(),
                content: "run_in_transaction = false\n".to_string(),
            }));
        }
        _ => return None,
    };
    Some(OptOut::Edit(edit))
}

/// The `SET lock_timeout` a file needs, put before the statement that
/// starts at `at`, on a line of its own: `SET LOCAL` when it runs in a
/// transaction, which then ends it.
pub(crate) fn set_lock_timeout_edit(text: &str, at: usize, local: bool) -> Edit {
    let indent = indent_before(text, at);
    let set = if local { "SET LOCAL" } else { "SET" };
    Edit::insert(at, format!("{set} lock_timeout = '5s';\n{indent}"))
}

/// The indentation before the statement that starts at `at`: the blanks
/// that start its line, or nothing when other text precedes it there. A
/// statement a fix puts before it takes it, so that both line up.
pub(crate) fn indent_before(text: &str, at: usize) -> &str {
    let line_start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &text[line_start..at];
    if indent.trim().is_empty() {
        indent
    } else {
        ""
    }
}

/// The offset just past the `;` that ends the statement ending at `end`
/// (blanks may come between); None when no `;` follows on that line.
pub(crate) fn after_semicolon(text: &str, end: usize) -> Option<usize> {
    let rest = &text[end..];
    let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest[gap..].starts_with(';').then_some(end + gap + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_steps_and_names_constraints() {
        let steps = ["first".to_string(), "second".to_string()];
        assert_eq!(numbered_steps("do this:", &steps), "do this:\n  1. first\n  2. second");
        assert_eq!(constraint_name_in_message("k"), " \"k\"");
        assert_eq!(constraint_name_in_message(""), "");
        let table = RelationName::new(Some("app"), "Users");
        let check = not_null_check_name(&table, "email");
        assert_eq!(check, "\"Users_email_not_null\"");
        assert_eq!(
            add_not_null_check(&table.to_sql(), "email", &check),
            "ALTER TABLE app.\"Users\" ADD CONSTRAINT \"Users_email_not_null\" CHECK (email IS NOT NULL) NOT VALID;"
        );
        assert_eq!(validate_constraint("t", "c"), "ALTER TABLE t VALIDATE CONSTRAINT c;");
        assert_eq!(partition_index_name("parted_k", "parted", "parted_1"), "parted_1_k");
        assert_eq!(partition_index_name("by_k", "parted", "parted_1"), "parted_1_by_k");
    }
}
