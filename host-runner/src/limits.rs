//! What one call's store may take: linear memory (each and in all),
//! table elements, and how many instances, memories and tables exist.
//! A component asking for more sees its growth fail (and usually traps).

use wasmtime::ResourceLimiter;
use wasmtime::Result;

use crate::sandbox::rules;

#[derive(Debug)]
pub struct Limits {
    /// Bytes of linear memory in all the store's memories.
    total: usize,
    max_memory: usize,
    max_total: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        let r = &rules().resources;
        Limits { total: 0, max_memory: r.max_memory_bytes, max_total: r.max_total_memory_bytes }
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
        Ok(desired <= rules().resources.max_table_elements)
    }

    // The component and its WASI adapter need a handful of each.
    fn instances(&self) -> usize {
        rules().resources.max_instances
    }

    fn memories(&self) -> usize {
        rules().resources.max_memories
    }

    fn tables(&self) -> usize {
        rules().resources.max_tables
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
        assert!(!l.table_growing(0, rules().resources.max_table_elements + 1, None).unwrap());
    }
}
