//! Which `miglint.toml` applies where: the nearest one at or above a
//! folder, never above the top of its git repository, the same for paths,
//! stdin and the language server; `--config` replaces them all. Each file
//! is loaded once per run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::top::RealPaths;
use crate::input::config::{self, Config, ConfigError};
use crate::input::layout::Tool;

/// The configs of a run, found and loaded on demand.
pub(crate) struct Configs {
    /// `--config`: the one config of the run.
    fixed: Option<Arc<Config>>,
    /// `--tool`: over every config's `tool`.
    tool: Option<Tool>,
    default: Arc<Config>,
    /// By real folder: the config that applies there.
    by_dir: Mutex<HashMap<PathBuf, Found>>,
    /// By config file: loaded once.
    loaded: Mutex<HashMap<PathBuf, Found>>,
    /// The run's real paths and project tops, shared by all of discovery.
    real_paths: RealPaths,
}

type Found = Result<Arc<Config>, ConfigError>;

impl Configs {
    /// `fixed` is the `--config` file; an error loading it stops the run.
    pub(crate) fn new(fixed: Option<&Path>, tool: Option<Tool>) -> Result<Configs, ConfigError> {
        let with_tool = |mut config: Config| {
            if tool.is_some() {
                config.tool = tool;
            }
            Arc::new(config)
        };
        let fixed = match fixed {
            Some(path) => Some(with_tool(config::load(path)?)),
            None => None,
        };
        Ok(Configs {
            fixed,
            tool,
            default: with_tool(Config::default()),
            by_dir: Mutex::new(HashMap::new()),
            loaded: Mutex::new(HashMap::new()),
            real_paths: RealPaths::default(),
        })
    }

    /// One config for every folder (tests).
    #[cfg(test)]
    pub(crate) fn with_config(config: Config) -> Configs {
        let config = Arc::new(config);
        Configs {
            fixed: Some(config.clone()),
            tool: None,
            default: config,
            by_dir: Mutex::new(HashMap::new()),
            loaded: Mutex::new(HashMap::new()),
            real_paths: RealPaths::default(),
        }
    }

    /// The real paths of the run: each folder resolved once.
    pub(crate) fn real_paths(&self) -> &RealPaths {
        &self.real_paths
    }

    /// `--tool`, which overrides every config's `tool`.
    pub(crate) fn tool_flag(&self) -> Option<Tool> {
        self.tool
    }

    /// The config for files in `dir` (a folder path as given, relative or absolute).
    pub(crate) fn for_dir(&self, dir: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let real = self.real_paths.of(dir);
        let mut climbed = Vec::new();
        let mut found = None;
        for folder in real.ancestors() {
            if let Some(known) = lock(&self.by_dir).get(folder) {
                found = Some(known.clone());
                break;
            }
            climbed.push(folder.to_path_buf());
            if self.real_paths.holds_config(folder) {
                found = Some(self.load(&folder.join(config::FILE_NAME)));
                break;
            }
            // A config above the repository belongs to something else.
            if self.real_paths.holds_git(folder) {
                break;
            }
        }
        let found = found.unwrap_or_else(|| Ok(self.default.clone()));
        let mut by_dir = lock(&self.by_dir);
        for folder in climbed {
            by_dir.insert(folder, found.clone());
        }
        found
    }

    /// The config for a file (which need not exist yet).
    pub(crate) fn for_file(&self, file: &Path) -> Result<Arc<Config>, ConfigError> {
        self.for_dir(file.parent().unwrap_or(Path::new(".")))
    }

    fn load(&self, path: &Path) -> Found {
        if let Some(loaded) = lock(&self.loaded).get(path) {
            return loaded.clone();
        }
        let found = config::load(path).map(|mut config| {
            if self.tool.is_some() {
                config.tool = self.tool;
            }
            Arc::new(config)
        });
        lock(&self.loaded).insert(path.to_path_buf(), found.clone());
        found
    }
}

/// A poisoned lock only means another thread panicked mid-insert: the map is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_config_up_to_the_repository_top() {
        let dir = std::env::temp_dir().join(format!("miglint-configs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.join("repo/db/sub/deeper")).unwrap();
        std::fs::write(dir.join("miglint.toml"), "pg_version = 12\n").unwrap();
        std::fs::write(dir.join("repo/miglint.toml"), "pg_version = 14\n").unwrap();
        std::fs::write(dir.join("repo/db/sub/miglint.toml"), "pg_version = 15\n").unwrap();
        std::fs::create_dir_all(dir.join("norepo/x")).unwrap();
        std::fs::create_dir_all(dir.join("broken/.git")).unwrap();
        std::fs::write(dir.join("broken/miglint.toml"), "pg_version = \"x\"\n").unwrap();

        let configs = Configs::new(None, Some(Tool::Goose)).unwrap();
        let version = |path: &str| configs.for_dir(&dir.join(path)).unwrap().pg_version;
        assert_eq!(version("repo/db"), Some(14));
        assert_eq!(version("repo/db/sub/deeper"), Some(15));
        assert_eq!(version("repo/db/sub"), Some(15));
        assert_eq!(version("norepo/x"), Some(12), "outside a repository, any folder above");
        assert_eq!(configs.for_dir(&dir.join("repo")).unwrap().tool, Some(Tool::Goose));
        assert!(configs.for_file(&dir.join("broken/new.sql")).is_err());

        let fixed = Configs::new(Some(&dir.join("repo/db/sub/miglint.toml")), None).unwrap();
        assert_eq!(fixed.for_dir(&dir.join("repo")).unwrap().pg_version, Some(15));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
