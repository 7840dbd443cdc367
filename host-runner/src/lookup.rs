//! Where the configuration files are, in this order:
//!
//! 1. `--config-dir DIR`, else 2. BUSTLY_MOCK_CONFIG_DIR: that folder only.
//! 3. This repository's `config/`, only when the working directory is inside
//!    the checkout this host-runner was built from (not any parent that has a
//!    `config/`, nor another checkout, which could be anyone's: a cloned
//!    project could point an agent host at another URL, mark production as
//!    not production and be sent the user's workspace id), and, on unix,
//!    only when that folder is the user's and no one else may write it.
//! 4. The user's folder: the platform's configuration folder (through
//!    etcetera: `$XDG_CONFIG_HOME` on Linux and macOS, `%APPDATA%` on
//!    Windows) + `bustly-mock-data`, else
//!    `~/.config/bustly-mock-data`.
//!
//! Without 1 or 2, each file (supabase.json, local.json) comes from the
//! first of 3 and 4 that has it: inside the repository its own files win,
//! as a project's settings win over a user's in git or cargo, so the
//! tests and scripts/local-warehouse use the checkout's config/.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

pub const SUPABASE: &str = "supabase.json";
pub const LOCAL: &str = "local.json";
pub const CONFIG_DIR_VAR: &str = "BUSTLY_MOCK_CONFIG_DIR";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Flag,
    EnvVar,
    Repository,
    User,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Flag => "--config-dir",
            Origin::EnvVar => CONFIG_DIR_VAR,
            Origin::Repository => "this repository's config/",
            Origin::User => "the user config folder",
        })
    }
}

/// One folder configuration may come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub dir: PathBuf,
    pub origin: Origin,
}

/// The folders to look in, in order; never empty.
#[derive(Clone, Debug)]
pub struct Lookup {
    pub places: Vec<Place>,
    /// Which rule admitted a repository's config/, or why one was passed over.
    pub repository_rule: Option<String>,
}

/// The checkout this binary was built from (`cargo install --path
/// host-runner` builds in place), as the build saw it.
pub fn build_checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), Path::to_path_buf)
}

impl Lookup {
    /// The folders for this process: its flag, environment and working directory.
    pub fn from_process(flag: Option<PathBuf>) -> Lookup {
        Lookup::new(
            flag,
            std::env::var_os(CONFIG_DIR_VAR),
            std::env::current_dir().ok().as_deref(),
            config_home(),
            home_dir(),
            &build_checkout(),
        )
    }

    pub fn new(
        flag: Option<PathBuf>,
        var: Option<OsString>,
        cwd: Option<&Path>,
        xdg: Option<OsString>,
        home: Option<OsString>,
        built_from: &Path,
    ) -> Lookup {
        let explicit = flag
            .map(|dir| Place { dir, origin: Origin::Flag })
            .or_else(|| var.filter(|v| !v.is_empty()).map(|v| Place { dir: PathBuf::from(v), origin: Origin::EnvVar }));
        if let Some(place) = explicit {
            return Lookup { places: vec![place], repository_rule: None };
        }
        let mut places = Vec::new();
        let mut repository_rule = None;
        if let Some(root) = cwd.and_then(repository_root) {
            let dir = root.join("config");
            match trust(&root, &dir, built_from) {
                Ok(why) => {
                    places.push(Place { dir, origin: Origin::Repository });
                    repository_rule = Some(why);
                }
                Err(why) => repository_rule = Some(format!("{} is not used: {why}", dir.display())),
            }
        }
        places.push(Place { dir: user_dir(xdg, home), origin: Origin::User });
        Lookup { places, repository_rule }
    }

    /// The first place holding `file`, if any.
    pub fn find(&self, file: &str) -> Option<(PathBuf, &Place)> {
        self.places.iter().map(|p| (p.dir.join(file), p)).find(|(path, _)| path.is_file())
    }

    /// Where `file` is read from: where it was found, else where it belongs
    /// (the first place), which the errors name.
    pub fn path(&self, file: &str) -> PathBuf {
        self.find(file).map_or_else(|| self.places[0].dir.join(file), |(path, _)| path)
    }
}

/// Whether the config/ of the checkout at `root` may be read: it must be
/// the checkout this binary was built from, and (unix) a folder of the
/// user's that no one else may write.
fn trust(root: &Path, config: &Path, built_from: &Path) -> Result<String, String> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(root, built_from) {
        return Err(format!(
            "it is not the checkout this host-runner was built from ({}); pass --config-dir {} to use it",
            built_from.display(),
            config.display()
        ));
    }
    owned_privately(config)?;
    Ok(format!("{} is used: the checkout this host-runner was built from{}", config.display(), PRIVATE_NOTE))
}

#[cfg(unix)]
const PRIVATE_NOTE: &str = ", yours and writable by no one else";
// Windows: a checkout lives in the user's profile, whose folders only the
// user may write by default; reading the ACLs is left out.
#[cfg(not(unix))]
const PRIVATE_NOTE: &str = "";

#[cfg(unix)]
fn owned_privately(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let Ok(meta) = std::fs::metadata(dir) else { return Ok(()) };
    if meta.uid() != me {
        return Err(format!("it belongs to another user (uid {})", meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!("others may write it (mode {:o}); chmod go-w {}", meta.mode() & 0o777, dir.display()));
    }
    Ok(())
}

#[cfg(not(unix))]
fn owned_privately(_: &Path) -> Result<(), String> {
    Ok(())
}

/// The platform's folder for user configuration: `$XDG_CONFIG_HOME` (only an
/// absolute one), else `~/.config`, on Linux and macOS; `%APPDATA%` on Windows.
fn config_home() -> Option<OsString> {
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy().ok().map(|s| s.config_dir().into_os_string())
}

/// The user's home folder, on every platform.
pub fn home_dir() -> Option<OsString> {
    etcetera::home_dir().ok().map(PathBuf::into_os_string)
}

/// `$XDG_CONFIG_HOME/bustly-mock-data` (only an absolute one counts, as the
/// XDG spec says), else `~/.config/bustly-mock-data`.
fn user_dir(xdg: Option<OsString>, home: Option<OsString>) -> PathBuf {
    let base = xdg
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join(".config"));
    base.join("bustly-mock-data")
}

/// The root of the checkout of this project holding `start`: a workspace
/// whose members include host-runner, beside host-runner/ and config/.
pub fn repository_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|dir| is_this_project(dir)).map(Path::to_path_buf)
}

fn is_this_project(dir: &Path) -> bool {
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap_or_default();
    let workspace = read("Cargo.toml");
    workspace.contains("[workspace]")
        && workspace.contains("\"host-runner\"")
        && read("host-runner/Cargo.toml").contains("name = \"host-runner\"")
        && dir.join("config").is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temp folder with `files` (paths relative to it).
    fn tree(files: &[&str]) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hr-lookup-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in files {
            let path = dir.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = match *f {
                "repo/Cargo.toml" => "[workspace]\nmembers = [\"guest\", \"host-runner\"]\n",
                "repo/host-runner/Cargo.toml" => "[package]\nname = \"host-runner\"\n",
                _ => "{}",
            };
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const REPO: [&str; 3] = ["repo/Cargo.toml", "repo/host-runner/Cargo.toml", "repo/config/supabase.json.example"];

    #[test]
    fn the_flag_then_the_variable_then_the_repository_then_the_user_folder() {
        let t = tree(
            &[&REPO[..], &["repo/config/local.json", "xdg/bustly-mock-data/supabase.json", "xdg/bustly-mock-data/local.json"]].concat(),
        );
        let inside = t.join("repo/host-runner/src");
        std::fs::create_dir_all(&inside).unwrap();
        let xdg = Some(t.join("xdg").into_os_string());

        let built = t.join("repo");
        let l = Lookup::new(Some("/f".into()), Some("/v".into()), Some(&inside), xdg.clone(), None, &built);
        assert_eq!(l.places, vec![Place { dir: "/f".into(), origin: Origin::Flag }]);
        let l = Lookup::new(None, Some("/v".into()), Some(&inside), xdg.clone(), None, &built);
        assert_eq!(l.places, vec![Place { dir: "/v".into(), origin: Origin::EnvVar }]);
        // An empty variable is no variable.
        let l = Lookup::new(None, Some("".into()), Some(&inside), xdg.clone(), None, &built);
        assert_eq!(l.places.len(), 2);

        // Inside the repository: its local.json, the user's supabase.json (the repository has none).
        assert_eq!(l.places[0], Place { dir: t.join("repo/config"), origin: Origin::Repository });
        assert_eq!(l.find(LOCAL).unwrap(), (t.join("repo/config/local.json"), &l.places[0]));
        assert_eq!(l.find(SUPABASE).unwrap().1.origin, Origin::User);
        assert_eq!(l.path(SUPABASE), t.join("xdg/bustly-mock-data/supabase.json"));

        assert!(l.repository_rule.as_deref().unwrap().contains("is used: the checkout this host-runner was built from"));

        // Outside it: only the user folder.
        let l = Lookup::new(None, None, Some(&t), xdg, None, &built);
        assert_eq!(l.places, vec![Place { dir: t.join("xdg/bustly-mock-data"), origin: Origin::User }]);
        assert_eq!(l.path(LOCAL), t.join("xdg/bustly-mock-data/local.json"));
    }

    #[test]
    fn a_parent_with_some_config_folder_is_not_this_repository() {
        let t = tree(&["other/config/supabase.json", "other/Cargo.toml", "other/project/src/main.rs"]);
        assert_eq!(repository_root(&t.join("other/project/src")), None);
        let l = Lookup::new(None, None, Some(&t.join("other/project")), None, Some(t.join("home").into_os_string()), &t.join("repo"));
        assert_eq!(l.places, vec![Place { dir: t.join("home/.config/bustly-mock-data"), origin: Origin::User }]);
        // Nothing anywhere: errors point at the user folder.
        assert_eq!(l.find(SUPABASE), None);
        assert_eq!(l.path(SUPABASE), t.join("home/.config/bustly-mock-data/supabase.json"));
    }

    #[test]
    fn another_checkout_of_this_project_is_not_trusted() {
        // A clone of the project (markers and all) with a config/ of its own.
        let t = tree(&[&REPO[..], &["repo/config/supabase.json"]].concat());
        let built = tree(&REPO).join("repo");
        let l = Lookup::new(None, None, Some(&t.join("repo")), None, Some(t.join("home").into_os_string()), &built);
        assert_eq!(l.places.len(), 1, "only the user folder: {:?}", l.places);
        assert_eq!(l.places[0].origin, Origin::User);
        let why = l.repository_rule.unwrap();
        assert!(
            why.contains("is not used: it is not the checkout this host-runner was built from") && why.contains("--config-dir"),
            "{why}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_config_folder_others_may_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let t = tree(&[&REPO[..], &["repo/config/supabase.json"]].concat());
        let built = t.join("repo");
        std::fs::set_permissions(built.join("config"), std::fs::Permissions::from_mode(0o777)).unwrap();
        let l = Lookup::new(None, None, Some(&built), None, Some(t.join("home").into_os_string()), &built);
        assert_eq!(l.places.len(), 1, "{:?}", l.places);
        assert!(l.repository_rule.unwrap().contains("others may write it (mode 777)"));
        std::fs::set_permissions(built.join("config"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let l = Lookup::new(None, None, Some(&built), None, Some(t.join("home").into_os_string()), &built);
        assert_eq!(l.places[0].origin, Origin::Repository);
    }

    #[test]
    fn a_relative_xdg_config_home_is_ignored() {
        assert_eq!(user_dir(Some("rel".into()), Some("/h".into())), PathBuf::from("/h/.config/bustly-mock-data"));
        assert_eq!(user_dir(Some("/x".into()), Some("/h".into())), PathBuf::from("/x/bustly-mock-data"));
    }

    #[test]
    fn this_checkout_is_found_from_inside_it() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(repository_root(&here.join("src")).as_deref(), here.parent());
    }
}
