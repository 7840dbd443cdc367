//! Which files a call may write for the component, and how much: bare names
//! of the form `NN-table.ext` (nothing outside the output directory, nothing
//! of another kind), at most so many files and bytes, and never a SQL file
//! from the component's bytes (the host writes those from rows: `sql`).

use super::rules::rules;

/// `01-dm_orders_shopify.csv`: digits, a table name, a known extension.
pub fn is_output_name(name: &str) -> bool {
    let o = &rules().output;
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    let Some((number, table)) = stem.split_once('-') else { return false };
    o.extensions.iter().any(|e| e == ext)
        && number.len() == o.name_digits
        && number.bytes().all(|b| b.is_ascii_digit())
        && !table.is_empty()
        && table.chars().all(|c| o.name_table_characters.contains(c))
}

/// The table an output name is for (`dm_orders_shopify`).
pub fn table_of(name: &str) -> Option<&str> {
    let stem = name.rsplit_once('.')?.0;
    stem.split_once('-').map(|(_, t)| t)
}

/// Whether the host writes this file from rows, never from the component's bytes.
pub fn host_written(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| rules().output.host_written_extensions.iter().any(|e| e == ext))
}

/// What a call has written so far, against the caps.
#[derive(Debug, Default)]
pub struct Budget {
    files: usize,
    bytes: u64,
}

impl Budget {
    /// Counts `len` more bytes (to a new file when `new_file`), or says why not.
    pub fn charge(&mut self, new_file: bool, len: u64) -> Result<(), String> {
        let o = &rules().output;
        if len > o.max_write_bytes {
            return Err(format!("one write of {len} bytes (the host takes at most {} at once)", o.max_write_bytes));
        }
        if new_file && self.files >= o.max_files {
            return Err(format!("more than {} files", o.max_files));
        }
        let bytes = self.bytes.saturating_add(len);
        if bytes > o.max_total_bytes {
            return Err(format!("more than {} bytes in all", o.max_total_bytes));
        }
        self.files += usize::from(new_file);
        self.bytes = bytes;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_output_names() {
        for good in ["01-dm_orders_shopify.csv", "12-dm_ads_keywords_google.sql", "07-dm_shopify_pixel_events.ndjson"] {
            assert!(is_output_name(good), "{good}");
        }
        for bad in ["../01-x.csv", "01-x.sh", "1-x.csv", "01-X.csv", "01-a/b.csv", "01-.csv", "01-x.csv/..", "/tmp/01-x.csv", "01-x.csv\n"]
        {
            assert!(!is_output_name(bad), "{bad}");
        }
        assert_eq!(table_of("03-dm_orders_shopify.sql"), Some("dm_orders_shopify"));
        assert!(host_written("03-dm_orders_shopify.sql") && !host_written("03-dm_orders_shopify.csv"));
    }

    #[test]
    fn files_and_bytes_are_capped() {
        let o = &rules().output;
        let mut b = Budget::default();
        for _ in 0..o.max_files {
            b.charge(true, 1).unwrap();
        }
        assert!(b.charge(true, 1).unwrap_err().contains("files"));
        assert!(b.charge(false, 1).is_ok(), "more bytes to an open file");
        assert!(b.charge(false, o.max_write_bytes + 1).unwrap_err().contains("at once"));
        let mut b = Budget { files: 1, bytes: o.max_total_bytes - 1 };
        assert!(b.charge(false, 2).unwrap_err().contains("in all"));
        assert!(b.charge(false, 1).is_ok());
    }
}
