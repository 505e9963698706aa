//! What the store's test binaries share.

use std::path::Path;

/// Opens a closed store with sled directly. The store just dropped may keep
/// sled's file lock for a moment, until sled's background flusher lets go
/// (`SledStore::open` waits for it the same way).
pub fn raw(path: &Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match sled::open(path) {
            Ok(db) => return db,
            Err(e)
                if std::time::Instant::now() < deadline
                    && e.to_string().contains("could not acquire lock") =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("{e}"),
        }
    }
}
