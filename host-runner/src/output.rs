//! The output directory of `generate --out`: the one place files are
//! written, by the host, for the component, within `sandbox::files`' rules:
//! bare `NN-table.ext` names only, so many files and bytes at most. SQL
//! files are written from rows (`sandbox::sql`), one transaction a file,
//! committed only when the call succeeded.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::sandbox::files::{Budget, host_written, is_output_name, table_of};
use crate::sandbox::sql;

pub struct Output {
    dir: PathBuf,
    open: HashMap<String, File>,
    budget: Budget,
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
        Ok(Output { dir: dir.to_path_buf(), open: HashMap::new(), budget: Budget::default() })
    }

    /// Appends the component's bytes to a CSV or NDJSON file.
    pub fn write(&mut self, name: &str, data: &[u8]) -> Result<(), String> {
        if host_written(name) {
            return Err(format!("'{name}' is written by the host from rows (write-sql-rows), not from bytes"));
        }
        self.append(name, data)
    }

    /// Appends the statement inserting `rows` (a JSON array of objects) to a
    /// SQL file, which the host opens with its transaction.
    pub fn write_sql_rows(&mut self, name: &str, rows: &[u8]) -> Result<(), String> {
        if !host_written(name) || !is_output_name(name) {
            return Err(format!("'{name}' is not a SQL output file name (NN-table.sql)"));
        }
        let max = crate::sandbox::rules().output.max_sql_rows_bytes;
        if rows.len() > max {
            return Err(format!(
                "{name}: a batch of {} bytes (the host takes at most {max} at once); nothing of it was written",
                rows.len()
            ));
        }
        let table = table_of(name).unwrap_or_default();
        let statement = sql::insert(table, rows).map_err(|e| format!("{name}: {e}; nothing of it was written"))?;
        if !self.open.contains_key(name) {
            self.append(name, sql::BEGIN.as_bytes())?;
        }
        self.append(name, statement.as_bytes())
    }

    fn append(&mut self, name: &str, data: &[u8]) -> Result<(), String> {
        if !is_output_name(name) {
            return Err(format!("'{name}' is not an output file name (NN-table.csv|ndjson|sql)"));
        }
        let new_file = !self.open.contains_key(name);
        self.budget.charge(new_file, data.len() as u64).map_err(|e| format!("{name}: the host refuses {e}"))?;
        if new_file {
            let path = self.dir.join(name);
            let file =
                OpenOptions::new().create_new(true).append(true).open(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
            self.open.insert(name.to_string(), file);
        }
        let file = self.open.get_mut(name).expect("just opened");
        file.write_all(data).map_err(|e| format!("writing {}: {e}", self.dir.join(name).display()))
    }

    /// Ends the files: SQL files commit when the call succeeded; otherwise
    /// they stay without a commit, and psql rolls them back.
    pub fn finish(&mut self, succeeded: bool) -> Result<(), String> {
        if !succeeded {
            return Ok(());
        }
        let sql_files: Vec<String> = self.open.keys().filter(|n| host_written(n)).cloned().collect();
        for name in sql_files {
            let file = self.open.get_mut(&name).expect("open");
            file.write_all(sql::COMMIT.as_bytes()).map_err(|e| format!("writing {}: {e}", self.dir.join(&name).display()))?;
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hr-output-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn only_bare_output_names_are_written() {
        let dir = dir("names");
        let mut out = Output::create(&dir).unwrap();
        out.write("01-t.csv", b"a\n").unwrap();
        out.write("01-t.csv", b"b\n").unwrap();
        assert!(out.write("../escape.csv", b"x").is_err());
        assert!(out.write("02-t.sql", b"drop table t;").unwrap_err().contains("written by the host"));
        assert_eq!(std::fs::read_to_string(dir.join("01-t.csv")).unwrap(), "a\nb\n");
        let again = Output::create(&dir).err().unwrap().to_string();
        assert!(again.contains("already holds generated files"), "{again}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sql_files_are_one_transaction_committed_on_success_only() {
        let dir = dir("sql");
        let mut out = Output::create(&dir).unwrap();
        out.write_sql_rows("01-t.sql", br#"[{"a":1}]"#).unwrap();
        out.write_sql_rows("01-t.sql", br#"[{"a":2}]"#).unwrap();
        out.write_sql_rows("02-u.sql", br#"[{"b":"x"}]"#).unwrap();
        assert!(out.write_sql_rows("03-v.sql", br#"[{"b":1}]); drop table x; --"#).is_err());
        assert!(!dir.join("03-v.sql").exists(), "a refused batch opens no file");
        out.finish(true).unwrap();
        let t = std::fs::read_to_string(dir.join("01-t.sql")).unwrap();
        assert!(t.starts_with("begin;\ninsert into semantic.\"t\"") && t.ends_with("commit;\n") && t.matches("insert").count() == 2, "{t}");
        let mut failed = Output::create(&dir.join("failed")).unwrap();
        failed.write_sql_rows("01-t.sql", br#"[{"a":1}]"#).unwrap();
        failed.finish(false).unwrap();
        assert!(!std::fs::read_to_string(dir.join("failed/01-t.sql")).unwrap().contains("commit"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
