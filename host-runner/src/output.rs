//! The output directory of `generate --out`: the one place files are
//! written, by the host, for the component. The component names a file;
//! only bare names of the form `NN-table.ext` are accepted, so nothing can
//! be written outside the directory or over a file of another kind.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub struct Output {
    dir: PathBuf,
    open: HashMap<String, File>,
}

/// `01-dm_orders_shopify.csv`: two digits, a table name, a known extension.
pub fn is_output_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    let Some((number, table)) = stem.split_once('-') else { return false };
    matches!(ext, "csv" | "ndjson" | "sql")
        && number.len() == 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && !table.is_empty()
        && table.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Output {
    /// Creates `dir` if needed. Refuses a directory that already holds
    /// output files: appending a second run to them would corrupt both.
    pub fn create(dir: &Path) -> Result<Output> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the output directory {}", dir.display()))?;
        let taken: Vec<String> = std::fs::read_dir(dir)
            .with_context(|| format!("reading the output directory {}", dir.display()))?
            .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
            .filter(|n| is_output_name(n))
            .collect();
        if let Some(first) = taken.first() {
            bail!(
                "{} already holds generated files ({first}, ...): use an empty or new directory, or remove them first; nothing was written",
                dir.display()
            );
        }
        Ok(Output { dir: dir.to_path_buf(), open: HashMap::new() })
    }

    pub fn write(&mut self, name: &str, data: &[u8]) -> Result<(), String> {
        if !is_output_name(name) {
            return Err(format!("'{name}' is not an output file name (NN-table.csv|ndjson|sql)"));
        }
        if !self.open.contains_key(name) {
            let path = self.dir.join(name);
            let file =
                OpenOptions::new().create_new(true).append(true).open(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
            self.open.insert(name.to_string(), file);
        }
        let file = self.open.get_mut(name).expect("just opened");
        file.write_all(data).map_err(|e| format!("writing {}: {e}", self.dir.join(name).display()))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_output_names_are_written() {
        for good in ["01-dm_orders_shopify.csv", "12-dm_ads_keywords_google.sql", "07-dm_shopify_pixel_events.ndjson"] {
            assert!(is_output_name(good), "{good}");
        }
        for bad in ["../01-x.csv", "01-x.sh", "1-x.csv", "01-X.csv", "01-a/b.csv", "01-.csv", "01-x.csv/..", "/tmp/01-x.csv"] {
            assert!(!is_output_name(bad), "{bad}");
        }
        let dir = std::env::temp_dir().join(format!("hr-output-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut out = Output::create(&dir).unwrap();
        out.write("01-t.csv", b"a\n").unwrap();
        out.write("01-t.csv", b"b\n").unwrap();
        assert!(out.write("../escape.csv", b"x").is_err());
        assert_eq!(std::fs::read_to_string(dir.join("01-t.csv")).unwrap(), "a\nb\n");
        let again = Output::create(&dir).err().unwrap().to_string();
        assert!(again.contains("already holds generated files"), "{again}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
