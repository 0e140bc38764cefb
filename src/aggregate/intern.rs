//! Interning of byte strings (ISPs, IPs, VirtualMTAs, pools, reply texts) to small integers.

use std::collections::HashMap;

use foldhash::fast::RandomState;

/// Maps byte strings to dense `u32` ids and back.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    ids: HashMap<Vec<u8>, u32, RandomState>,
    names: Vec<String>,
}

impl Interner {
    pub fn intern(&mut self, bytes: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(bytes) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(String::from_utf8_lossy(bytes).into_owned());
        self.ids.insert(bytes.to_vec(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// The ids whose name is `name` (more than one where different bytes read alike).
    pub fn ids_named(&self, name: &str) -> Vec<u32> {
        (0..self.names.len() as u32)
            .filter(|&id| self.names[id as usize] == name)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Ids of `other`'s names in this interner, indexed by `other`'s ids.
    pub fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other
            .names
            .iter()
            .map(|name| self.intern(name.as_bytes()))
            .collect()
    }
}
