//! What each statement of a MySQL or MariaDB migration does to a live
//! server: the schema the migrations before it left (`MysqlCatalog`), the
//! algorithm and concurrency of each ALTER (`online`), the metadata lock
//! and `lock_wait_timeout`, and DDL's implicit commit.

pub(crate) mod catalog;
pub(crate) mod online;

#[allow(unused_imports)] // TEMPORARY: until the MySQL engine uses it
pub(crate) use catalog::MysqlCatalog;
