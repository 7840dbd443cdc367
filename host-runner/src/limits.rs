//! What one call's store may take: linear memory (each and in all),
//! table elements, and how many instances, memories and tables exist.
//! A component asking for more sees its growth fail (and usually traps).

use wasmtime::ResourceLimiter;
use wasmtime::Result;

const MAX_MEMORY: usize = 2 << 30;
const MAX_TOTAL_MEMORY: usize = 3 << 30;
const MAX_TABLE_ELEMENTS: usize = 100_000;
/// The component and its WASI adapter need a handful of each.
const MAX_INSTANCES: usize = 32;
const MAX_MEMORIES: usize = 8;
const MAX_TABLES: usize = 32;

#[derive(Debug)]
pub struct Limits {
    /// Bytes of linear memory in all the store's memories.
    total: usize,
    max_memory: usize,
    max_total: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { total: 0, max_memory: MAX_MEMORY, max_total: MAX_TOTAL_MEMORY }
    }
}

impl ResourceLimiter for Limits {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        let total = self.total.saturating_sub(current).saturating_add(desired);
        if desired > self.max_memory || total > self.max_total {
            return Ok(false);
        }
        self.total = total;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_capped_each_and_in_all() {
        let mut l = Limits { total: 0, max_memory: 100, max_total: 150 };
        assert!(l.memory_growing(0, 80, None).unwrap());
        assert!(!l.memory_growing(80, 101, None).unwrap(), "one memory over its cap");
        assert!(l.memory_growing(0, 70, None).unwrap(), "a second memory: 150 in all");
        assert!(!l.memory_growing(0, 1, None).unwrap(), "a third one would pass the total");
        assert!(!l.table_growing(0, MAX_TABLE_ELEMENTS + 1, None).unwrap());
    }
}
