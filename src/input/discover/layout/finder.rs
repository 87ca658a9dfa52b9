//! Finding the root of each file, each root detected once however many of
//! its files arrive and however they arrive (a folder, a glob, names,
//! stdin, an editor). Folders are listed and read in parallel; what a root
//! is built from is cached by real path for the rest of the run.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::listing::{configured_root, list_root, root_dir_of, Overlay};
use super::{build, code, dialect, flyway, variants, MigrationRoot, SqlFile};
use crate::input::config::Config;
use crate::input::discover::configs::Configs;
use crate::input::discover::walk::is_sql;
use crate::input::discover::DiscoverError;
use crate::input::layout::{Dialect, Tool};

/// Finds and caches the roots of a run (what lies around a root is asked in
/// `neighbours.rs`, which extends it).
pub(crate) struct RootFinder<'c> {
    pub(super) configs: &'c Configs,
    overlays: Vec<Overlay>,
    /// What each folder showed on its own, by real path; None: no root there.
    facts: HashMap<PathBuf, Option<Facts>>,
    /// Roots built but not settled yet (merge, dialect), by real path.
    pending: HashMap<PathBuf, MigrationRoot>,
    /// Settled roots, by the real path of every folder they were built from.
    roots: HashMap<PathBuf, Arc<MigrationRoot>>,
    /// Folders already looked around: (real folder, depth) -> root folders found.
    pub(super) around: HashMap<(PathBuf, usize), Vec<PathBuf>>,
    /// sqlc query folders and files the run's files fell in, each with the
    /// config that names it: left out.
    queries: Vec<(PathBuf, PathBuf)>,
    notices: Vec<String>,
    errors: Vec<DiscoverError>,
}

/// What one root folder says of itself, kept after its root is settled.
#[derive(Clone, Debug)]
pub(super) struct Facts {
    pub real: PathBuf,
    pub tool: Tool,
    pub configured_dialect: Option<Dialect>,
    /// The folder names' dialect and the folder that names it.
    pub named: Option<(Dialect, String, PathBuf)>,
    /// Config, folder names or syntax: the dialect without asking neighbours.
    pub own_dialect: Option<(Dialect, String)>,
    pub top: Option<PathBuf>,
}

impl<'c> RootFinder<'c> {
    /// `overlays`: stdin, an editor's buffer or fixed text standing in for
    /// files.
    pub(crate) fn new(configs: &'c Configs, overlays: Vec<Overlay>) -> RootFinder<'c> {
        RootFinder {
            configs,
            overlays,
            facts: HashMap::new(),
            pending: HashMap::new(),
            roots: HashMap::new(),
            around: HashMap::new(),
            queries: Vec::new(),
            notices: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The root of each file, in order; None for a file in no root (not a
    /// `.sql` file, excluded by its config, or under an invalid config,
    /// which is an error of the run).
    pub(crate) fn roots_of(&mut self, files: &[PathBuf]) -> Vec<(PathBuf, Option<Arc<MigrationRoot>>)> {
        let mut dirs: Vec<Option<PathBuf>> = Vec::with_capacity(files.len());
        let mut wanted: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
        let mut real_of_dir: HashMap<PathBuf, PathBuf> = HashMap::new();
        for file in files {
            let dir = self.root_dir(file).map(|dir| {
                let real = real_of_dir
                    .entry(dir.clone())
                    .or_insert_with(|| self.configs.real_paths().of(&dir))
                    .clone();
                wanted.entry(real.clone()).or_insert(dir);
                real
            });
            dirs.push(dir);
        }
        self.build_all(wanted.into_iter().collect(), true);
        let mut found = Vec::with_capacity(files.len());
        for (file, real) in files.iter().zip(dirs) {
            let root = real.and_then(|real| self.settled(&real));
            found.push((file.clone(), root));
        }
        found
    }

    /// Notices about the roots found (skipped files, guessed order), once each.
    pub(crate) fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    pub(crate) fn take_errors(&mut self) -> Vec<DiscoverError> {
        std::mem::take(&mut self.errors)
    }

    /// The sqlc query folders and files left out, each with the config that
    /// names it (as `queries:`), once each.
    pub(crate) fn take_queries(&mut self) -> Vec<(PathBuf, PathBuf)> {
        std::mem::take(&mut self.queries)
    }

    /// The folder of the root `file` belongs to, as `file` is spelled.
    fn root_dir(&mut self, file: &Path) -> Option<PathBuf> {
        if !is_sql(file) {
            return None;
        }
        let config = self.config_for_file(file)?;
        if config.excludes(file) {
            return None;
        }
        Some(root_dir_of(file, &config))
    }

    fn config_for_file(&mut self, file: &Path) -> Option<Arc<Config>> {
        match self.configs.for_file(file) {
            Ok(config) => Some(config),
            Err(error) => {
                let error = DiscoverError(error.to_string());
                if !self.errors.contains(&error) {
                    self.errors.push(error);
                }
                None
            }
        }
    }

    /// Lists, reads and builds the folders not built yet, in parallel.
    /// `report`: the user asked for these (notices and errors are theirs).
    pub(super) fn build_all(&mut self, dirs: Vec<(PathBuf, PathBuf)>, report: bool) {
        let todo: Vec<(PathBuf, PathBuf, Arc<Config>)> = dirs
            .into_iter()
            .filter(|(real, _)| !self.facts.contains_key(real))
            .filter_map(|(real, dir)| match self.configs.for_dir(&dir) {
                Ok(config) => Some((real, dir, config)),
                Err(error) => {
                    if report && !self.errors.contains(&DiscoverError(error.to_string())) {
                        self.errors.push(DiscoverError(error.to_string()));
                    }
                    None
                }
            })
            .collect();
        let configs = self.configs;
        let overlays = self.overlays.as_slice();
        let built: Vec<(PathBuf, Built)> = todo
            .into_par_iter()
            .map(|(real, dir, config)| {
                let built = build_folder(&dir, &real, &config, configs, overlays, report);
                (real, built)
            })
            .collect();
        for (real, built) in built {
            self.notices.extend(built.notices);
            self.errors.extend(built.errors);
            if report {
                self.queries.extend(built.queries);
            }
            match built.root {
                Some((root, facts)) => {
                    self.pending.insert(real.clone(), root);
                    self.facts.insert(real, Some(facts));
                }
                None => {
                    self.facts.insert(real, None);
                }
            }
        }
    }

    pub(super) fn facts(&self, real: &Path) -> Option<&Facts> {
        self.facts.get(real).and_then(Option::as_ref)
    }

    /// The settled root built from the folder `real`: Flyway locations
    /// merged, the dialect decided.
    fn settled(&mut self, real: &Path) -> Option<Arc<MigrationRoot>> {
        if let Some(root) = self.roots.get(real) {
            return Some(root.clone());
        }
        let facts = self.facts(real)?.clone();
        let members = if facts.tool == Tool::Flyway && facts.configured_dialect.is_none() && facts.named.is_some() {
            self.flyway_locations(&facts)
        } else {
            vec![facts.real.clone()]
        };
        let mut roots: Vec<MigrationRoot> = members.iter().filter_map(|m| self.pending.remove(m)).collect();
        let mut root = if roots.len() > 1 {
            flyway::merge_locations(roots)
        } else {
            roots.pop()?
        };
        let (dialect, reason) = match &facts.own_dialect {
            Some(own) => own.clone(),
            None => self
                .sibling_dialect(&facts, &members)
                .unwrap_or((Dialect::Postgres, "default".to_string())),
        };
        root.dialect = dialect;
        root.dialect_reason = reason;
        let root = Arc::new(root);
        for member in members {
            self.roots.insert(member, root.clone());
        }
        Some(root)
    }
}

/// A folder's root (with its facts) and what building it had to say.
struct Built {
    root: Option<(MigrationRoot, Facts)>,
    /// sqlc query folders and files left out, with their config.
    queries: Vec<(PathBuf, PathBuf)>,
    notices: Vec<String>,
    errors: Vec<DiscoverError>,
}

fn build_folder(
    dir: &Path,
    real: &Path,
    config: &Config,
    configs: &Configs,
    overlays: &[Overlay],
    report: bool,
) -> Built {
    let top = configs.real_paths().project_top(real);
    let listing = list_root(dir, config, configs, overlays, top.as_deref(), report);
    let queries = match &listing.queries_of {
        Some(sqlc) => vec![(dir.to_path_buf(), sqlc.clone())],
        None => listing.query_files.clone(),
    };
    let mut built = Built {
        root: None,
        queries,
        notices: listing.notices,
        errors: listing.errors,
    };
    if listing.files.is_empty() {
        return built;
    }
    let files: Vec<SqlFile> = listing.files;
    let has_postgres_variant = files.iter().any(|f| variants::dialect_of_name(&f.path).is_some());
    let configured = configured_root(dir, config);
    let configured_tool = match (configs.tool_flag(), configured.and_then(|c| c.tool), config.tool) {
        (Some(tool), _, _) => Some((tool, "--tool".to_string())),
        (None, Some(tool), _) => Some((tool, "set for this root in miglint.toml".to_string())),
        (None, None, Some(tool)) => Some((tool, "set in miglint.toml".to_string())),
        (None, None, None) => None,
    };
    let tool_configured = configured_tool.is_some();
    let (tool, tool_reason) = configured_tool.unwrap_or_else(|| super::tool::detect_tool(dir, &files));
    let mut evidence = dialect::Evidence::default();
    for file in &files {
        evidence.add(&dialect::sniff(&file.bytes));
    }
    let too_large: Vec<(PathBuf, crate::input::read::TooLarge)> = files
        .iter()
        .filter_map(|f| Some((f.path.clone(), f.too_large?)))
        .collect();
    let ordered = build::migrations(tool, dir, files, configs.real_paths(), overlays);
    let (mut migrations, mut notices) = (ordered.migrations, ordered.notices);
    if let Some(notice) = variants::notice(&listing.replaced) {
        notices.push(notice);
    }
    let code = code::place(tool, listing.code, &migrations);
    // Tools that build scripts from a file's text see none in a file left
    // unread: mark its scripts so the run reports it.
    if !too_large.is_empty() {
        for script in migrations.iter_mut().flat_map(|m| m.scripts.iter_mut()) {
            if let Some((_, size)) = too_large.iter().find(|(p, _)| *p == script.path) {
                script.too_large = Some(*size);
            }
        }
    }
    let configured_dialect = configured.and_then(|c| c.dialect);
    let named = dialect::from_folder_names(real, top.as_deref());
    // Files kept for several databases: PostgreSQL's view of them is checked,
    // whatever the syntax of the files all databases share.
    let variants = !listing.replaced.is_empty() || listing.other_dialects > 0 || has_postgres_variant;
    let for_several = variants.then(|| {
        let reason = "dialect files (`.sql.<database>`) beside the SQL: the files PostgreSQL runs are checked";
        (Dialect::Postgres, reason.to_string())
    });
    let own_dialect = configured_dialect
        .map(|d| (d, "config".to_string()))
        .or_else(|| named.as_ref().map(|(d, reason, _)| (*d, reason.clone())))
        .or(for_several)
        .or_else(|| evidence.verdict());
    built.root = Some((
        MigrationRoot {
            dir: dir.to_path_buf(),
            tool,
            tool_reason,
            tool_configured,
            dialect: Dialect::Postgres,
            dialect_reason: "default".to_string(),
            migrations,
            base_schema: ordered.base_schema,
            code,
            replaced: listing.replaced,
            notices,
        },
        Facts {
            real: real.to_path_buf(),
            tool,
            configured_dialect,
            named,
            own_dialect,
            top,
        },
    ));
    built
}
