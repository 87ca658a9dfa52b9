//! The catalog over real inputs: a `pg_dump` schema read as history, and the
//! full migration histories of the corpus (`../shared/corpus`, read in
//! place) replayed in order. The tables the catalog ends with must be the
//! tables the histories create and never drop, worked out here on our own
//! from the parse trees.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use crate::analysis::catalog::{ConstraintKind, RelationKind};
use crate::analysis::{Catalog, Origin, RelationName};
use crate::parse::{parse_file, ProblemKind};
use crate::report::engine::{history_catalog, lint_run, ChangeScope, RunInput};
use crate::SourceFile;
use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use crate::tests::common::{corpus, repo_root};

const DUMP: &str = "fixtures/catalog/bad_existing_tables_from_schema/_schema.sql";

fn name(schema: &str, table: &str) -> RelationName {
    RelationName::new(Some(schema), table)
}

#[test]
fn a_pg_dump_is_read_without_noise() {
    let text = std::fs::read_to_string(repo_root().join(DUMP)).unwrap();
    let source = SourceFile::new(DUMP, text);

    // Nothing in the dump is taken for broken SQL: the COPY data is input to
    // COPY, and the only lines that are not SQL are psql's \restrict pair.
    let parsed = parse_file(&source);
    let problems: Vec<String> = parsed
        .problems
        .iter()
        .map(|p| format!("{:?}: {}", p.kind, source.slice(p.span)))
        .collect();
    let meta_command = |text: &str| text.starts_with("\\restrict ") || text.starts_with("\\unrestrict ");
    assert!(
        parsed
            .problems
            .iter()
            .all(|p| p.kind == ProblemKind::Unsupported && meta_command(source.slice(p.span))),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 2, "{problems:?}");

    let catalog = history_catalog(&source);
    let mut tables: Vec<String> = catalog
        .relations()
        .map(|r| format!("{} {:?}", r.name, r.kind))
        .collect();
    tables.sort();
    assert_eq!(
        tables,
        [
            "\"app\".\"Orders\" Table",
            "\"app\".\"Orders_id_seq\" Sequence",
            "\"app\".\"customers\" Table",
            "\"app\".\"customers_id_seq\" Sequence",
            "\"public\".\"events\" PartitionedTable",
            "\"public\".\"events_2024\" Table",
            "\"public\".\"order_totals\" MaterializedView",
        ]
    );
    for rel in catalog.relations() {
        assert_eq!(rel.origin, Origin::History, "{}: production has it", rel.name);
        assert!(!rel.inferred, "{}: created by the dump", rel.name);
    }

    let orders = catalog.relation(&name("app", "Orders")).unwrap();
    let columns: Vec<String> = orders.columns.iter().map(|c| format!("{} {}", c.name, c.ty)).collect();
    assert_eq!(
        columns,
        [
            "id bigint",
            "customer_id bigint",
            "number text",
            "status text",
            "total numeric(10, 2)",
            "note text",
            "placed_at timestamptz"
        ]
    );
    assert!(orders.column("id").unwrap().identity);
    assert!(orders.column("total").unwrap().not_null && orders.column("total").unwrap().has_default);
    assert!(!orders.column("status").unwrap().not_null);
    // Constraints and indexes written after the COPY data are all there.
    let constraints: Vec<&str> = orders.constraints.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(constraints, ["Orders_pkey", "Orders_customer_id_fkey"]);
    assert!(matches!(
        &orders.constraint("Orders_customer_id_fkey").unwrap().kind,
        ConstraintKind::ForeignKey { references, .. } if *references == name("app", "customers")
    ));
    let mut indexes: Vec<String> = catalog.indexes().map(|i| i.name.to_string()).collect();
    indexes.sort();
    assert_eq!(
        indexes,
        [
            "\"app\".\"Orders_customer_id_idx\"",
            "\"app\".\"Orders_pkey\"",
            "\"app\".\"Orders_status_idx\"",
            "\"app\".\"customers_pkey\"",
            "\"public\".\"events_2024_pkey\"",
            "\"public\".\"events_pkey\"",
        ]
    );
    let partition = catalog.relation(&name("public", "events_2024")).unwrap();
    assert_eq!(partition.partition_of, Some(name("public", "events")));
    let email = catalog.domain(&name("public", "email")).unwrap();
    assert_eq!(email.base.to_string(), "text");
    assert_eq!(catalog.schema_origin("app"), Some(Origin::History));
    // The dump's empty search_path does not outlive it.
    assert!(catalog.relation(&RelationName::new(None, "events")).is_some());
}

/// Files under `dir` whose name is `file_name`, one folder down, in the
/// order the tool runs them. Diesel and Prisma name each folder
/// `<version>_<name>`; Diesel compares versions without their dashes, so
/// crates.io's `2017-09-23-182408_...` runs after `20170804200817_...`
/// although it sorts before it as a path.
fn history(dir: &Path, file_name: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path().join(file_name))
        .filter(|p| p.is_file())
        .collect();
    files.sort_by_key(|p| {
        let folder = p.parent().and_then(Path::file_name).unwrap_or_default();
        let folder = folder.to_string_lossy().to_string();
        let version = folder.split('_').next().unwrap_or_default().replace('-', "");
        (version, folder)
    });
    assert!(!files.is_empty(), "{}: no {file_name}", dir.display());
    files
}

/// The tables a history leaves, worked out from the parse trees alone:
/// `CREATE TABLE` (and `CREATE TABLE AS`) adds, `RENAME` and `SET SCHEMA`
/// move, `DROP TABLE` and `DROP SCHEMA ... CASCADE` remove. Unqualified
/// names are in the first schema of the search path.
#[derive(Default)]
struct ExpectedTables {
    tables: BTreeSet<(String, String)>,
    search_path: Option<String>,
}

impl ExpectedTables {
    fn qualify(&self, schema: &str, table: &str) -> (String, String) {
        let schema = if schema.is_empty() {
            self.search_path.clone().unwrap_or_else(|| "public".to_string())
        } else {
            schema.to_string()
        };
        (schema, table.to_string())
    }

    fn apply(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::CreateStmt(stmt) => {
                if let Some(rv) = &stmt.relation {
                    self.tables.insert(self.qualify(&rv.schemaname, &rv.relname));
                }
            }
            NodeEnum::CreateTableAsStmt(stmt) if stmt.objtype == ObjectType::ObjectTable as i32 => {
                if let Some(rv) = stmt.into.as_ref().and_then(|i| i.rel.as_ref()) {
                    self.tables.insert(self.qualify(&rv.schemaname, &rv.relname));
                }
            }
            NodeEnum::RenameStmt(stmt) if stmt.rename_type == ObjectType::ObjectTable as i32 => {
                if let Some(rv) = &stmt.relation {
                    let old = self.qualify(&rv.schemaname, &rv.relname);
                    if self.tables.remove(&old) {
                        self.tables.insert((old.0, stmt.newname.clone()));
                    }
                }
            }
            NodeEnum::AlterObjectSchemaStmt(stmt) if stmt.object_type == ObjectType::ObjectTable as i32 => {
                if let Some(rv) = &stmt.relation {
                    let old = self.qualify(&rv.schemaname, &rv.relname);
                    if self.tables.remove(&old) {
                        self.tables.insert((stmt.newschema.clone(), old.1));
                    }
                }
            }
            NodeEnum::DropStmt(stmt) if stmt.remove_type == ObjectType::ObjectTable as i32 => {
                for object in &stmt.objects {
                    let Some(NodeEnum::List(list)) = object.node.as_ref() else {
                        continue;
                    };
                    let parts: Vec<&str> = list
                        .items
                        .iter()
                        .filter_map(|n| match n.node.as_ref()? {
                            NodeEnum::String(s) => Some(s.sval.as_str()),
                            _ => None,
                        })
                        .collect();
                    let key = match parts.as_slice() {
                        [table] => self.qualify("", table),
                        [.., schema, table] => self.qualify(schema, table),
                        [] => continue,
                    };
                    self.tables.remove(&key);
                }
            }
            NodeEnum::DropStmt(stmt)
                if stmt.remove_type == ObjectType::ObjectSchema as i32
                    && stmt.behavior == DropBehavior::DropCascade as i32 =>
            {
                for object in &stmt.objects {
                    if let Some(NodeEnum::String(s)) = object.node.as_ref() {
                        self.tables.retain(|(schema, _)| *schema != s.sval);
                    }
                }
            }
            NodeEnum::VariableSetStmt(stmt) if stmt.name == "search_path" => {
                self.search_path = stmt.args.iter().find_map(|a| match a.node.as_ref()? {
                    NodeEnum::AConst(c) => match c.val.as_ref()? {
                        pg_query::protobuf::a_const::Val::Sval(s) => Some(s.sval.clone()),
                        _ => None,
                    },
                    _ => None,
                });
            }
            _ => {}
        }
    }
}

/// Replays a history into a catalog, file after file as `lint_run` does,
/// and returns it with the tables expected of it.
fn replay(files: &[PathBuf]) -> (Catalog, BTreeSet<(String, String)>) {
    let mut catalog = Catalog::default();
    let mut expected = ExpectedTables::default();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = parse_file(&SourceFile::new(file.to_string_lossy(), text));
        catalog.reset_session();
        expected.search_path = None;
        for stmt in &parsed.statements {
            catalog.apply(&stmt.node, Origin::History, None);
            expected.apply(&stmt.node);
        }
    }
    (catalog, expected.tables)
}

fn catalog_tables(catalog: &Catalog) -> BTreeSet<(String, String)> {
    catalog
        .relations()
        .filter(|r| matches!(r.kind, RelationKind::Table | RelationKind::PartitionedTable) && !r.inferred)
        .map(|r| (r.name.schema.clone().unwrap_or_default(), r.name.name.clone()))
        .collect()
}

fn check_history(project: &str, folder: &str, file_name: &str, at_least: usize) {
    let Some(corpus) = corpus("the catalog corpus tests") else {
        return;
    };
    let files = history(&corpus.join(project).join(folder), file_name);
    let (catalog, expected) = replay(&files);
    let found = catalog_tables(&catalog);
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{project}: {} files; tables the history leaves but the catalog lacks: {missing:?}; tables the catalog has but the history does not leave: {extra:?}",
        files.len()
    );
    assert!(
        found.len() >= at_least,
        "{project}: only {} tables: {found:?}",
        found.len()
    );
    let inferred: Vec<String> = catalog
        .relations()
        .filter(|r| r.inferred)
        .map(|r| r.name.to_string())
        .collect();
    assert!(
        inferred.is_empty(),
        "{project}: a complete history never alters a table it did not create: {inferred:?}"
    );
    // Nothing points at what the history dropped or renamed away.
    let mut dangling = Vec::new();
    for index in catalog.indexes() {
        if catalog.relation(&index.table).is_none() {
            dangling.push(format!("index {} on {}", index.name, index.table));
        }
    }
    for rel in catalog.relations() {
        for c in &rel.constraints {
            if let ConstraintKind::ForeignKey { references, .. } = &c.kind {
                if catalog.relation(references).is_none() {
                    dangling.push(format!("foreign key {} of {} to {references}", c.name, rel.name));
                }
            }
        }
        if let Some(parent) = &rel.partition_of {
            if catalog.relation(parent).is_none() {
                dangling.push(format!("partition {} of {parent}", rel.name));
            }
        }
    }
    assert!(dangling.is_empty(), "{project}: {dangling:#?}");
    println!("{project}: {} files, {} tables", files.len(), found.len());
}

#[test]
fn crates_io_diesel_history_ends_with_its_tables() {
    check_history("rust-lang__crates.io", "migrations", "up.sql", 20);
}

#[test]
fn lemmy_diesel_history_ends_with_its_tables() {
    check_history("LemmyNet__lemmy", "migrations", "up.sql", 40);
}

#[test]
fn documenso_prisma_history_ends_with_its_tables() {
    check_history(
        "documenso__documenso",
        "packages/prisma/migrations",
        "migration.sql",
        20,
    );
}

/// Every PostgreSQL history of the corpus, each as one run in path order
/// (every file its own change, as when a directory is audited), lints
/// without a panic.
#[test]
fn every_postgres_history_of_the_corpus_replays_without_a_panic() {
    let Some(corpus) = corpus("the catalog corpus tests") else {
        return;
    };
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (dir, dialect, paths) = (column("dir"), column("dialect"), column("paths"));
    let mut failures = Vec::new();
    let mut histories = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells[dialect] != "postgres" {
            continue;
        }
        let mut files = BTreeSet::new();
        for folder in cells[paths].split(',').map(str::trim).filter(|p| !p.is_empty()) {
            collect_sql(&corpus.join(cells[dir]).join(folder), &mut files);
        }
        let inputs: Vec<RunInput> = files
            .iter()
            .map(|f| {
                RunInput::new(
                    f.strip_prefix(&corpus).unwrap_or(f).to_string_lossy(),
                    std::fs::read(f).unwrap(),
                )
            })
            .collect();
        let count = inputs.len();
        let run = catch_unwind(AssertUnwindSafe(|| lint_run(inputs, ChangeScope::EachMigration)));
        match run {
            Ok(reports) if reports.len() == count => {}
            Ok(reports) => failures.push(format!("{}: {} reports for {count} files", cells[dir], reports.len())),
            Err(_) => failures.push(format!("{}: miglint panicked", cells[dir])),
        }
        // The same history read as a production schema.
        let all: String = files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap_or_default() + "\n;\n")
            .collect();
        if catch_unwind(|| history_catalog(&SourceFile::new("schema.sql", all))).is_err() {
            failures.push(format!("{}: history_catalog panicked", cells[dir]));
        }
        histories += 1;
    }
    assert!(histories >= 8, "only {histories} PostgreSQL histories in the corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn collect_sql(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_sql(&path, out);
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")) {
            out.insert(path);
        }
    }
}
