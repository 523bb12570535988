//! Legacy ids (cuids, and the settings row's `"default"`) become UUIDs deterministically: UUIDv5
//! of the id in a namespace of the import's own, so importing a file twice gives the same ids,
//! and an id here can be traced back by computing it from the original's.

use uuid::Uuid;

/// The namespace of every imported id. Never change it: ids already imported depend on it.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6f1b_1a52_8d3c_4e4f_9a7b_2c1d_0e9f_8a71);

/// The UUID of the legacy id `id`.
pub fn legacy_uuid(id: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_id_gives_the_same_uuid_and_others_differ() {
        let id = legacy_uuid("clx8p5yu10hohshjkmg2sdb39");
        assert_eq!(id, legacy_uuid("clx8p5yu10hohshjkmg2sdb39"));
        assert_ne!(id, legacy_uuid("clx8p5yu10hohshjkmg2sdb3a"));
        assert_eq!(id.get_version_num(), 5);
        // Fixed for good: a re-import must find the same rows.
        assert_eq!(id.to_string(), "5cab1cdb-c0dc-5faf-8d69-8c83c59fa8bd");
    }
}
