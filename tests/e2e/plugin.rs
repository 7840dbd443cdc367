//! The plugin folder every agent host installs (host-runner/plugin/): its
//! manifests agree with each other and with the MCP server, the skill follows
//! the Agent Skills spec and OpenClaw's gating, the top-level skill.md is the
//! same file, and the folder holds nothing else (no secret, nothing built).
//! tests/openclaw/ installs it into the real OpenClaw.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::harness::repo;

const SKILL: &str = "skills/bustly-mock-data/SKILL.md";

fn plugin() -> PathBuf {
    repo().join("host-runner/plugin")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_file(name: &str) -> Value {
    let path = plugin().join(name);
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The frontmatter's top-level `key: value` lines, and its whole text.
fn frontmatter(skill: &str) -> (Vec<(String, String)>, String) {
    let front = skill.strip_prefix("---\n").and_then(|s| s.split_once("\n---\n")).expect("frontmatter between --- lines").0;
    let fields = front
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap_or_else(|| panic!("not a key: {l}"));
            (k.to_string(), v.trim().to_string())
        })
        .collect();
    (fields, format!("{front}\n"))
}

#[test]
fn skill_md_is_the_plugin_skill() {
    let kept = read(&plugin().join(SKILL));
    let top = read(&repo().join("skill.md"));
    assert!(
        top == kept,
        "skill.md differs from host-runner/plugin/{SKILL}, the one hand-kept copy: edit that file, then \
         cp host-runner/plugin/{SKILL} skill.md"
    );
}

#[test]
fn the_skill_follows_agent_skills_and_openclaw_gating() {
    let skill = read(&plugin().join(SKILL));
    let (fields, front) = frontmatter(&skill);
    let field = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    // Agent Skills: only its six keys; name = the folder's name, a-z0-9 and single hyphens.
    for (k, _) in &fields {
        assert!(["name", "description", "license", "compatibility", "metadata", "allowed-tools"].contains(&k.as_str()), "{k}");
    }
    let name = field("name").expect("name");
    assert_eq!(Some(name), Path::new(SKILL).parent().and_then(Path::file_name).and_then(|n| n.to_str()));
    assert!(name.len() <= 64 && !name.contains("--") && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    let description = field("description").expect("description");
    assert!((80..=1024).contains(&description.chars().count()), "description of {} characters", description.len());
    assert!(field("compatibility").is_some_and(|c| c.len() <= 500 && c.contains("host-runner")));
    // OpenClaw gating, as a block mapping (strict YAML readers refuse flow style);
    // tests/openclaw/ proves OpenClaw reads it (Ready with it, missing without it).
    assert_eq!(field("metadata"), Some(""), "metadata is a block mapping");
    assert!(front.contains("\n  openclaw:\n") && front.contains("\n    requires:\n      bins:\n        - host-runner\n"), "{front}");
}

#[test]
fn the_plugin_manifests_agree() {
    let version = env!("CARGO_PKG_VERSION");
    let server = json!({"command": "host-runner", "args": ["mcp"]});

    // OpenClaw: id and configSchema required; the skill folder and the MCP server.
    let openclaw = json_file("openclaw.plugin.json");
    assert_eq!(openclaw["id"], "bustly-mock-data");
    assert_eq!(openclaw["version"], version);
    assert_eq!(openclaw["configSchema"]["type"], "object");
    assert_eq!(openclaw["skills"], json!(["skills"]));
    let native = &openclaw["mcpServers"]["bustly-mock-data"];
    assert_eq!(native["transport"], "stdio");
    assert_eq!((&native["command"], &native["args"]), (&server["command"], &server["args"]));

    let package = json_file("package.json");
    assert_eq!(package["openclaw"]["extensions"], json!(["./index.js"]));
    assert_eq!(package["version"], version);
    assert!(package.get("dependencies").is_none(), "the entry needs nothing installed");
    assert!(plugin().join("index.js").is_file());

    // Agent Plugins 1.0: closed schemas, the same server.
    let manifest = json_file("plugin.json");
    assert_eq!(manifest["$schema"], "https://agent-plugins.org/schemas/1.0.0/plugin.schema.json");
    assert_eq!(manifest["name"], "bustly-mock-data");
    assert_eq!(manifest["version"], version);
    let allowed = ["$schema", "name", "version", "description", "author", "homepage", "repository", "license", "keywords", "extensions"];
    assert!(manifest.as_object().unwrap().keys().all(|k| allowed.contains(&k.as_str())), "{manifest}");
    let mcp = json_file("mcp.json");
    assert_eq!(mcp["$schema"], "https://agent-plugins.org/schemas/1.0.0/mcp.schema.json");
    assert_eq!(mcp.as_object().unwrap().len(), 2, "only $schema and mcpServers");
    let portable = &mcp["mcpServers"]["bustly-mock-data"];
    assert_eq!(portable, &json!({"type": "stdio", "command": "host-runner", "args": ["mcp"]}));
}

#[test]
fn the_plugin_folder_holds_only_its_own_files() {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            assert!(!meta.file_type().is_symlink(), "{} is a symlink", path.display());
            if meta.is_dir() {
                walk(&path, base, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut files = Vec::new();
    walk(&plugin(), &plugin(), &mut files);
    files.sort();
    // Whatever else appears here (node_modules, a lock file, a copied key) would be
    // installed into every host: the list is kept by hand.
    assert_eq!(files, ["index.js", "mcp.json", "openclaw.plugin.json", "package.json", "plugin.json", SKILL]);
}
