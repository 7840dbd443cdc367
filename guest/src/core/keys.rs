//! Keys that say who made a row.
//!
//! The tool never adds columns or side tables to a warehouse it does not own,
//! so it marks its rows through their keys: every key it generates encodes
//! the run id and a sequence number, in a range no platform hands out. Status
//! counts rows in that range, clean deletes only inside it, and an upsert on
//! such a key can only ever meet a row of the same run. The form follows the
//! key column's type:
//!
//! | column type | key | one run's rows |
//! |---|---|---|
//! | text | `mock-04213-0000000042` | `~ ^mock-04213-[0-9]{10}$` |
//! | bigint | 9_000_000_000_000_000 + run x 10^8 + seq (below 2^53, so JavaScript clients read it exactly) | a range |
//! | uuid | `6d6f636b-6461-RRRR-RRRR-SSSSSSSSSSSS` ("mockda", run, seq) | a range |

use std::fmt;

use crate::core::rng::mix;

/// Bigint keys start here; below 2^53 = 9_007_199_254_740_992.
pub const BIGINT_BASE: u64 = 9_000_000_000_000_000;
const BIGINT_END: u64 = 9_007_199_254_740_992;
const BIGINT_RUN_SPAN: u64 = 100_000_000;
/// Run ids are 1..RUN_LIMIT, so that every bigint key stays below 2^53.
pub const RUN_LIMIT: u32 = ((BIGINT_END - BIGINT_BASE) / BIGINT_RUN_SPAN) as u32;
const TEXT_PREFIX: &str = "mock-";
const UUID_PREFIX: &str = "6d6f636b-6461-";
const UUID_SEQ_LIMIT: u64 = 1 << 48;
const TEXT_SEQ_LIMIT: u64 = 10_000_000_000;

/// A run: one invocation of generate, or several with the same seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(u32);

impl RunId {
    /// The run a seed writes to. Same seed, same run, same keys: re-running a
    /// seed meets its own rows, which the conflict policy then decides about.
    pub fn from_seed(seed: u64) -> RunId {
        RunId(1 + (mix(seed ^ 0x6d6f_636b_5f72_756e) % u64::from(RUN_LIMIT - 1)) as u32)
    }

    pub fn new(n: u32) -> Option<RunId> {
        (1..RUN_LIMIT).contains(&n).then_some(RunId(n))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// Accepts `4213`, `04213` and `run-4213`.
    pub fn parse(text: &str) -> Result<RunId, String> {
        let digits = text.trim().trim_start_matches("run-");
        digits.parse::<u32>().ok().and_then(RunId::new).ok_or_else(|| {
            format!("'{text}' is not a run id: run ids are numbers from 1 to {} as printed by generate and status", RUN_LIMIT - 1)
        })
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:05}", self.0)
    }
}

/// How a key column stores keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    BigInt,
    Uuid,
}

impl KeyKind {
    /// The kind for a column's SQL type, or None when it cannot hold a
    /// marked key (int4 and smaller are too narrow).
    pub fn from_sql_type(data_type: &str) -> Option<KeyKind> {
        match data_type.to_ascii_lowercase().as_str() {
            "text" | "character varying" | "varchar" | "character" | "citext" => Some(KeyKind::Text),
            "bigint" | "int8" | "numeric" | "decimal" => Some(KeyKind::BigInt),
            "uuid" => Some(KeyKind::Uuid),
            _ => None,
        }
    }

    /// Largest sequence number one run can use in one table.
    pub fn seq_limit(self) -> u64 {
        match self {
            KeyKind::Text => TEXT_SEQ_LIMIT,
            KeyKind::BigInt => BIGINT_RUN_SPAN,
            KeyKind::Uuid => UUID_SEQ_LIMIT,
        }
    }

    /// Writes the key for (run, seq) as a JSON value (see `RunKeys`, which
    /// a row writing several keys builds once).
    #[inline]
    pub fn write_json(self, run: RunId, seq: u64, out: &mut Vec<u8>) {
        RunKeys::new(run).write_json(self, seq, out);
    }

    /// The key as text (what a filter or a text column holds).
    pub fn format(self, run: RunId, seq: u64) -> String {
        let mut out = Vec::with_capacity(40);
        self.write_json(run, seq, &mut out);
        if out.first() == Some(&b'"') {
            out.pop();
            out.remove(0);
        }
        String::from_utf8(out).expect("keys are ASCII")
    }

    /// The run and sequence number of a key, if the tool made it.
    pub fn decode(self, key: &str) -> Option<(RunId, u64)> {
        let key = key.trim_matches('"');
        match self {
            KeyKind::Text => {
                let rest = key.strip_prefix(TEXT_PREFIX)?;
                let (run, seq) = rest.split_once('-')?;
                Some((RunId::new(run.parse().ok()?)?, seq.parse().ok()?))
            }
            KeyKind::BigInt => {
                let n: u64 = key.parse().ok()?;
                if !(BIGINT_BASE..BIGINT_END).contains(&n) {
                    return None;
                }
                let off = n - BIGINT_BASE;
                Some((RunId::new((off / BIGINT_RUN_SPAN) as u32)?, off % BIGINT_RUN_SPAN))
            }
            KeyKind::Uuid => {
                let rest = key.to_ascii_lowercase();
                let rest = rest.strip_prefix(UUID_PREFIX)?;
                let hex: String = rest.chars().filter(|c| *c != '-').collect();
                if hex.len() != 20 {
                    return None;
                }
                let run = u32::from_str_radix(&hex[..8], 16).ok()?;
                let seq = u64::from_str_radix(&hex[8..], 16).ok()?;
                Some((RunId::new(run)?, seq))
            }
        }
    }

    /// PostgREST filters (operator, value) on the key column selecting the
    /// keys of `scope`, optionally only sequence numbers in `seqs`. Text keys
    /// are matched whole (anchored pattern), never by prefix alone: a key
    /// that merely starts like ours is not ours.
    pub fn filters(self, scope: Scope, seqs: Option<(u64, u64)>) -> Vec<(&'static str, String)> {
        match (self, scope) {
            // The range (keys of one format compare digit by digit under any
            // collation) lets the primary key's index find them; the pattern
            // keeps the match exact.
            (KeyKind::Text, Scope::AllRuns) => vec![
                ("match", format!("^{TEXT_PREFIX}[0-9]{{5}}-[0-9]{{10}}$")),
                ("gte", format!("{TEXT_PREFIX}00000-0000000000")),
                ("lte", format!("{TEXT_PREFIX}99999-9999999999")),
            ],
            (KeyKind::Text, Scope::Run(run)) => {
                let mut f = vec![("match", format!("^{TEXT_PREFIX}{run}-[0-9]{{10}}$"))];
                // A range up to the limit (or none) ends at the last key, inclusive.
                match seqs.filter(|(_, hi)| *hi < TEXT_SEQ_LIMIT) {
                    Some((lo, hi)) => f.extend([("gte", self.format(run, lo)), ("lt", self.format(run, hi))]),
                    None => {
                        f.extend([("gte", self.format(run, seqs.map_or(0, |(lo, _)| lo))), ("lte", self.format(run, TEXT_SEQ_LIMIT - 1))])
                    }
                }
                f
            }
            (KeyKind::BigInt, Scope::AllRuns) => {
                vec![("gte", BIGINT_BASE.to_string()), ("lt", BIGINT_END.to_string())]
            }
            (KeyKind::Uuid, Scope::AllRuns) => {
                vec![("gte", format!("{UUID_PREFIX}0000-0000-000000000000")), ("lte", format!("{UUID_PREFIX}ffff-ffff-ffffffffffff"))]
            }
            (kind, Scope::Run(run)) => {
                let (lo, hi) = seqs.unwrap_or((0, kind.seq_limit()));
                let hi = hi.min(kind.seq_limit());
                if hi >= kind.seq_limit() {
                    vec![("gte", kind.format(run, lo)), ("lte", kind.format(run, kind.seq_limit() - 1))]
                } else {
                    vec![("gte", kind.format(run, lo)), ("lt", kind.format(run, hi))]
                }
            }
        }
    }

    /// SQL that is true for keys the tool made (for read-only analysis SQL).
    pub fn sql_is_generated(self, column: &str) -> String {
        match self {
            KeyKind::Text => format!(
                "({column} >= '{TEXT_PREFIX}00000-0000000000' and {column} <= '{TEXT_PREFIX}99999-9999999999' and {column} ~ '^{TEXT_PREFIX}[0-9]{{5}}-[0-9]{{10}}$')"
            ),
            KeyKind::BigInt => format!("({column} >= {BIGINT_BASE} and {column} < {BIGINT_END})"),
            KeyKind::Uuid => {
                format!("({column} >= '{UUID_PREFIX}0000-0000-000000000000' and {column} <= '{UUID_PREFIX}ffff-ffff-ffffffffffff')")
            }
        }
    }

    /// SQL that is true for keys of one run.
    pub fn sql_is_run(self, column: &str, run: RunId) -> String {
        match self {
            KeyKind::Text => format!(
                "({column} >= '{}' and {column} <= '{}' and {column} ~ '^{TEXT_PREFIX}{run}-[0-9]{{10}}$')",
                self.format(run, 0),
                self.format(run, TEXT_SEQ_LIMIT - 1)
            ),
            KeyKind::BigInt => format!("({column} >= {} and {column} < {})", bigint(run, 0), bigint(run, 0) + BIGINT_RUN_SPAN),
            KeyKind::Uuid => format!("({column} >= '{}' and {column} <= '{}')", self.format(run, 0), self.format(run, UUID_SEQ_LIMIT - 1)),
        }
    }

    /// SQL giving the run number of a generated key.
    pub fn sql_run_number(self, column: &str) -> String {
        match self {
            KeyKind::Text => format!("substr({column}, {}, 5)::int", TEXT_PREFIX.len() + 1),
            // div() truncates for numeric columns too (plain division would round).
            KeyKind::BigInt => format!("div(({column} - {BIGINT_BASE})::numeric, {BIGINT_RUN_SPAN})::int"),
            // From the uuid's bytes 7-10: no text form of the uuid per row.
            KeyKind::Uuid => format!("('x' || encode(substring(uuid_send({column}) from 7 for 4), 'hex'))::bit(32)::bigint"),
        }
    }
}

/// One run's keys as JSON values, the run's digits filled in once: a row
/// writes up to five keys, and every one of them carries the run.
pub struct RunKeys {
    pub run: RunId,
    /// `"mock-RRRRR-0000000000"`, quotes included.
    text: [u8; 23],
    /// `"6d6f636b-6461-RRRR-RRRR-000000000000"`, quotes included.
    uuid: [u8; 38],
}

impl RunKeys {
    pub fn new(run: RunId) -> RunKeys {
        let mut text = *b"\"mock-00000-0000000000\"";
        fixed::<10, 5>(&mut text[6..11], u64::from(run.0));
        let mut uuid = *b"\"6d6f636b-6461-0000-0000-000000000000\"";
        fixed::<16, 4>(&mut uuid[15..19], u64::from(run.0 >> 16));
        fixed::<16, 4>(&mut uuid[20..24], u64::from(run.0 & 0xffff));
        RunKeys { run, text, uuid }
    }

    /// Writes the key of `kind` for `seq` as a JSON value (`write_json`).
    #[inline]
    pub fn write_json(&self, kind: KeyKind, seq: u64, out: &mut Vec<u8>) {
        match kind {
            KeyKind::Text => {
                let mut key = self.text;
                fixed::<10, 10>(&mut key[12..22], seq);
                out.extend_from_slice(&key);
            }
            KeyKind::Uuid => {
                let mut key = self.uuid;
                fixed::<16, 12>(&mut key[25..37], seq);
                out.extend_from_slice(&key);
            }
            KeyKind::BigInt => crate::core::bytes::append(out, itoa::Buffer::new().format(bigint(self.run, seq)).as_bytes()),
        }
    }
}

/// `n`'s last WIDTH digits in BASE, zero-padded, into `slot` (WIDTH long):
/// constant base and width, so no division is by a variable.
fn fixed<const BASE: u64, const WIDTH: usize>(slot: &mut [u8], mut n: u64) {
    if BASE == 10 {
        // Five digits per 32-bit word: WebAssembly has no 64-bit multiply-high,
        // so a 64-bit division by ten is a real division, ten times slower.
        let mut end = WIDTH;
        while end > 0 {
            let start = end.saturating_sub(5);
            let mut word = (n % 100_000) as u32;
            n /= 100_000;
            // Two digits at a time from a table, then the odd one.
            let mut at = end;
            while at >= start + 2 {
                let pair = (word % 100) as usize * 2;
                slot[at - 2..at].copy_from_slice(&PAIRS[pair..pair + 2]);
                word /= 100;
                at -= 2;
            }
            if at > start {
                slot[at - 1] = b'0' + (word % 10) as u8;
            }
            end = start;
        }
        return;
    }
    for i in (0..WIDTH).rev() {
        slot[i] = b"0123456789abcdef"[(n % BASE) as usize];
        n /= BASE;
    }
}

/// "00" to "99", for writing decimal digits two at a time.
const PAIRS: &[u8; 200] = b"00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

fn bigint(run: RunId, seq: u64) -> u64 {
    BIGINT_BASE + u64::from(run.0) * BIGINT_RUN_SPAN + seq
}

/// Which generated rows an operation covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    AllRuns,
    Run(RunId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_for_every_kind() {
        let run = RunId::new(4213).unwrap();
        for kind in [KeyKind::Text, KeyKind::BigInt, KeyKind::Uuid] {
            for seq in [0, 1, 42, 99_999, 100_000, 1_234_567_890, kind.seq_limit() - 1].into_iter().filter(|s| *s < kind.seq_limit()) {
                let key = kind.format(run, seq);
                assert_eq!(kind.decode(&key), Some((run, seq)), "{kind:?} {key}");
            }
        }
        assert_eq!(KeyKind::Text.format(run, 42), "mock-04213-0000000042");
        assert_eq!(KeyKind::Text.format(RunId::new(71_991).unwrap(), 9_876_543_210), "mock-71991-9876543210");
        assert_eq!(KeyKind::Uuid.format(run, 42), "6d6f636b-6461-0000-1075-00000000002a");
    }

    #[test]
    fn a_runs_templates_write_keys_that_decode_to_run_and_seq() {
        for run in [1, 4213, RUN_LIMIT - 1] {
            let run = RunId::new(run).unwrap();
            let keys = RunKeys::new(run);
            for kind in [KeyKind::Text, KeyKind::BigInt, KeyKind::Uuid] {
                for seq in (0..2000).chain([99_999, 100_000, 123_456_789, kind.seq_limit() - 1]).filter(|s| *s < kind.seq_limit()) {
                    let mut json = Vec::new();
                    keys.write_json(kind, seq, &mut json);
                    let text = String::from_utf8(json).unwrap();
                    assert_eq!(text.starts_with('"'), kind != KeyKind::BigInt, "{kind:?} {text}");
                    assert_eq!(kind.decode(&text), Some((run, seq)), "{kind:?} {text}");
                }
            }
        }
    }

    #[test]
    fn bigint_keys_stay_exact_in_javascript() {
        let last = RunId::new(RUN_LIMIT - 1).unwrap();
        let max = BIGINT_BASE + u64::from(last.get()) * BIGINT_RUN_SPAN + BIGINT_RUN_SPAN - 1;
        assert!(max < 1 << 53);
        assert_eq!(KeyKind::BigInt.format(last, BIGINT_RUN_SPAN - 1), max.to_string());
    }

    #[test]
    fn foreign_keys_are_not_decoded() {
        assert_eq!(KeyKind::Text.decode("gid://shopify/Order/1"), None);
        assert_eq!(KeyKind::Text.decode("mock-x-1"), None);
        assert_eq!(KeyKind::BigInt.decode("5550001234"), None);
        assert_eq!(KeyKind::Uuid.decode("0b5d0f6e-7d6c-4a44-9a1e-2f7c9a6c1d10"), None);
    }

    #[test]
    fn run_ids_from_seeds_are_in_range_and_stable() {
        for seed in 0..10_000u64 {
            let r = RunId::from_seed(seed);
            assert!((1..RUN_LIMIT).contains(&r.get()));
        }
        assert_eq!(RunId::from_seed(7), RunId::from_seed(7));
        assert_ne!(RunId::from_seed(7), RunId::from_seed(8));
        assert_eq!(RunId::parse("run-00042").unwrap().get(), 42);
        assert!(RunId::parse("0").is_err());
        assert!(RunId::parse("abc").unwrap_err().contains("not a run id"));
    }

    #[test]
    fn text_range_filters_cover_exactly_their_sequence_numbers() {
        let run = RunId::new(7).unwrap();
        let f = KeyKind::Text.filters(Scope::Run(run), Some((100, 200)));
        // The anchored pattern `^mock-00007-[0-9]{10}$`, checked by hand.
        let whole = |k: &str, pattern: &str| {
            let prefix = pattern.trim_start_matches('^').trim_end_matches("[0-9]{10}$");
            k.strip_prefix(prefix).is_some_and(|rest| rest.len() == 10 && rest.bytes().all(|b| b.is_ascii_digit()))
        };
        let inside = |k: &str| {
            f.iter().all(|(op, v)| match *op {
                "match" => whole(k, v),
                "gte" => k >= v.as_str(),
                "lt" => k < v.as_str(),
                _ => unreachable!(),
            })
        };
        assert!(inside(&KeyKind::Text.format(run, 100)));
        assert!(inside(&KeyKind::Text.format(run, 199)));
        assert!(!inside(&KeyKind::Text.format(run, 200)));
        assert!(!inside(&KeyKind::Text.format(run, 99)));
        assert!(!inside(&KeyKind::Text.format(RunId::new(8).unwrap(), 150)));
        assert!(!inside("mock-00007-0000000150x"), "a longer key is not ours");
        assert!(!inside("mock-00007-00000001x0"));
    }

    #[test]
    fn sql_types_map_to_kinds() {
        assert_eq!(KeyKind::from_sql_type("text"), Some(KeyKind::Text));
        assert_eq!(KeyKind::from_sql_type("bigint"), Some(KeyKind::BigInt));
        assert_eq!(KeyKind::from_sql_type("uuid"), Some(KeyKind::Uuid));
        assert_eq!(KeyKind::from_sql_type("integer"), None);
    }
}
