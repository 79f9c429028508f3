//! SQLite backend (to be written).
use std::path::Path;
use crate::StoreResult;
/// SQLite store.
pub struct SqliteStore;
impl SqliteStore { /// Opens.
pub async fn open(_p: &Path) -> StoreResult<Self> { unimplemented!() } }
