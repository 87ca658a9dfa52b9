//! THE list of rules. `cargo xtask new-rule <id> <category>` adds one: its
//! file here, its doc `rules/<id>.md`, its fixtures `fixtures/<id>/`, and
//! two lines below (its module, and the rule in its category's group of
//! `RULES`, whose order is the order of `miglint rules` and the README).

use crate::rule::Rule;

pub(crate) mod alter_table;
pub(crate) mod column_types;
pub(crate) mod down;
pub(crate) mod history;
pub(crate) mod markdown;
pub(crate) mod mysql_online;
pub(crate) mod recipe;

pub(crate) mod adding_required_column;
pub(crate) mod adding_volatile_default;
pub(crate) mod ban_delete_without_where;
pub(crate) mod ban_drop_column;
pub(crate) mod ban_drop_database;
pub(crate) mod ban_drop_not_null;
pub(crate) mod ban_drop_schema;
pub(crate) mod ban_drop_table;
pub(crate) mod ban_truncate;
pub(crate) mod batches_in_one_transaction;
pub(crate) mod changing_column_type;
pub(crate) mod concurrent_index_if_not_exists;
pub(crate) mod concurrently_in_transaction;
pub(crate) mod constraint_missing_not_valid;
pub(crate) mod disable_trigger;
pub(crate) mod domain_constraint;
pub(crate) mod down_migration_fails;
pub(crate) mod down_migration_incomplete;
pub(crate) mod down_migration_loses_data;
pub(crate) mod dropping_column_default;
pub(crate) mod duplicate_migration_version;
pub(crate) mod dynamic_sql_not_checked;
pub(crate) mod empty_file;
pub(crate) mod enum_value_in_transaction;
pub(crate) mod exclusion_constraint;
pub(crate) mod file_too_large;
pub(crate) mod foreign_key_without_index;
pub(crate) mod identifier_too_long;
pub(crate) mod index_too_many_columns;
pub(crate) mod invalid_encoding;
pub(crate) mod keyword_identifier;
pub(crate) mod lock_table;
pub(crate) mod lock_timeout_too_long;
pub(crate) mod migration_history_edited;
pub(crate) mod migration_out_of_order;
pub(crate) mod missing_down_migration;
pub(crate) mod mysql_algorithm_refused;
pub(crate) mod mysql_blocking_alter;
pub(crate) mod mysql_ddl_implicit_commit;
pub(crate) mod mysql_require_algorithm;
pub(crate) mod mysql_require_lock_wait_timeout;
pub(crate) mod mysql_table_rebuild;
pub(crate) mod naming_convention;
pub(crate) mod now_default_without_time_zone;
pub(crate) mod prefer_bigint;
pub(crate) mod prefer_identity;
pub(crate) mod prefer_jsonb;
pub(crate) mod prefer_text;
pub(crate) mod prefer_timestamptz;
pub(crate) mod quoted_identifier;
pub(crate) mod refresh_matview_blocking;
pub(crate) mod renaming_column;
pub(crate) mod renaming_schema;
pub(crate) mod renaming_table;
pub(crate) mod require_concurrent_detach_partition;
pub(crate) mod require_concurrent_index;
pub(crate) mod require_concurrent_index_drop;
pub(crate) mod require_concurrent_reindex;
pub(crate) mod require_lock_timeout;
pub(crate) mod setting_not_null;
pub(crate) mod sqlite_alter_table_fails;
pub(crate) mod sqlite_foreign_keys_in_transaction;
pub(crate) mod sqlite_rebuild_drops_indexes;
pub(crate) mod sqlite_table_rebuild;
pub(crate) mod statement_after_access_exclusive;
pub(crate) mod statement_not_rerunnable;
pub(crate) mod suppression_without_reason;
pub(crate) mod syntax_error;
pub(crate) mod table_rewrite_statement;
pub(crate) mod transaction_nesting;
pub(crate) mod uncommitted_transaction;
pub(crate) mod unique_without_index;
pub(crate) mod unknown_rule;
pub(crate) mod unresolved_placeholder;
pub(crate) mod unsupported_syntax;
pub(crate) mod unused_suppression;
pub(crate) mod vacuum_full_or_cluster;
pub(crate) mod validate_in_same_transaction;

static RULES: &[&dyn Rule] = &[
    // syntax and suppressions (reported by the engine)
    &syntax_error::SyntaxError,
    &unsupported_syntax::UnsupportedSyntax,
    &dynamic_sql_not_checked::DynamicSqlNotChecked,
    &unresolved_placeholder::UnresolvedPlaceholder,
    &empty_file::EmptyFile,
    &invalid_encoding::InvalidEncoding,
    &file_too_large::FileTooLarge,
    &unknown_rule::UnknownRule,
    &unused_suppression::UnusedSuppression,
    &suppression_without_reason::SuppressionWithoutReason,
    // data loss
    &ban_drop_table::BanDropTable,
    &ban_drop_column::BanDropColumn,
    &ban_drop_schema::BanDropSchema,
    &ban_drop_database::BanDropDatabase,
    &ban_truncate::BanTruncate,
    &down_migration_loses_data::DownMigrationLosesData,
    &ban_delete_without_where::BanDeleteWithoutWhere,
    // compatibility
    &renaming_column::RenamingColumn,
    &renaming_table::RenamingTable,
    &adding_required_column::AddingRequiredColumn,
    &disable_trigger::DisableTrigger,
    &sqlite_alter_table_fails::SqliteAlterTableFails,
    &sqlite_rebuild_drops_indexes::SqliteRebuildDropsIndexes,
    &ban_drop_not_null::BanDropNotNull,
    &dropping_column_default::DroppingColumnDefault,
    &now_default_without_time_zone::NowDefaultWithoutTimeZone,
    &renaming_schema::RenamingSchema,
    &identifier_too_long::IdentifierTooLong,
    &down_migration_incomplete::DownMigrationIncomplete,
    &down_migration_fails::DownMigrationFails,
    // locking
    &require_concurrent_index::RequireConcurrentIndex,
    // locking: ALTER TABLE constraints and NOT NULL on existing tables
    &setting_not_null::SettingNotNull,
    &constraint_missing_not_valid::ConstraintMissingNotValid,
    &unique_without_index::UniqueWithoutIndex,
    &exclusion_constraint::ExclusionConstraint,
    // rewrite: ALTER TABLE column changes on existing tables
    &changing_column_type::ChangingColumnType,
    &adding_volatile_default::AddingVolatileDefault,
    // locking: indexes, partitions, materialized views, explicit locks, domains
    &require_concurrent_index_drop::RequireConcurrentIndexDrop,
    &require_concurrent_reindex::RequireConcurrentReindex,
    &require_concurrent_detach_partition::RequireConcurrentDetachPartition,
    &refresh_matview_blocking::RefreshMatviewBlocking,
    &lock_table::LockTable,
    &domain_constraint::DomainConstraint,
    // locking: locks held across a transaction, and foreign keys without an index
    &validate_in_same_transaction::ValidateInSameTransaction,
    &statement_after_access_exclusive::StatementAfterAccessExclusive,
    &foreign_key_without_index::ForeignKeyWithoutIndex,
    &sqlite_table_rebuild::SqliteTableRebuild,
    &mysql_blocking_alter::MysqlBlockingAlter,
    &mysql_algorithm_refused::MysqlAlgorithmRefused,
    &mysql_require_algorithm::MysqlRequireAlgorithm,
    // rewrite: statements that rewrite a whole table
    &vacuum_full_or_cluster::VacuumFullOrCluster,
    &table_rewrite_statement::TableRewriteStatement,
    &mysql_table_rebuild::MysqlTableRebuild,
    // transaction
    &concurrently_in_transaction::ConcurrentlyInTransaction,
    &uncommitted_transaction::UncommittedTransaction,
    &transaction_nesting::TransactionNesting,
    &enum_value_in_transaction::EnumValueInTransaction,
    &batches_in_one_transaction::BatchesInOneTransaction,
    &sqlite_foreign_keys_in_transaction::SqliteForeignKeysInTransaction,
    &mysql_ddl_implicit_commit::MysqlDdlImplicitCommit,
    &statement_not_rerunnable::StatementNotRerunnable,
    &concurrent_index_if_not_exists::ConcurrentIndexIfNotExists,
    // timeout
    &require_lock_timeout::RequireLockTimeout,
    &lock_timeout_too_long::LockTimeoutTooLong,
    &mysql_require_lock_wait_timeout::MysqlRequireLockWaitTimeout,
    // style: names (off by default)
    &naming_convention::NamingConvention,
    &quoted_identifier::QuotedIdentifier,
    &keyword_identifier::KeywordIdentifier,
    // style: column types
    &prefer_bigint::PreferBigint,
    &prefer_timestamptz::PreferTimestamptz,
    &prefer_text::PreferText,
    &prefer_identity::PreferIdentity,
    &prefer_jsonb::PreferJsonb,
    &index_too_many_columns::IndexTooManyColumns,
    // history: the migrations in git against the --since ref
    &migration_history_edited::MigrationHistoryEdited,
    &migration_out_of_order::MigrationOutOfOrder,
    &duplicate_migration_version::DuplicateMigrationVersion,
    &missing_down_migration::MissingDownMigration,
];

/// Every rule, in a stable order.
pub(crate) fn all() -> &'static [&'static dyn Rule] {
    RULES
}

pub(crate) fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|rule| rule.meta().id == id)
}

/// Rules that took over part of an older rule's findings: (older id, newer
/// id). An ignore comment naming the older id still covers the newer rule's
/// findings, as it did before the split.
const TAKEN_OVER: &[(&str, &str)] = &[("ban-drop-schema", "ban-drop-database")];

/// An ignore comment for `ignored` covers a finding of `rule`: the same id,
/// or an older rule whose findings `rule` took over.
pub(crate) fn ignore_covers(ignored: &str, rule: &str) -> bool {
    ignored == rule || TAKEN_OVER.contains(&(ignored, rule))
}

/// The rule id a misspelt `id` most likely meant: the nearest by edit
/// distance (a swap of two letters counts as one edit), when at most one
/// character in three differs, so that `require-concurent-index` finds its
/// rule and an unrelated word finds none.
pub(crate) fn suggest(id: &str) -> Option<&'static str> {
    let max_edits = (id.chars().count() / 3).max(1);
    RULES
        .iter()
        .map(|rule| rule.meta().id)
        .map(|known| (strsim::damerau_levenshtein(id, known), known))
        .filter(|&(edits, _)| edits <= max_edits)
        .min_by_key(|&(edits, _)| edits)
        .map(|(_, known)| known)
}

/// `; did you mean `<id>`?` for an unknown rule id that has a likely match,
/// else nothing: the one phrasing of the hint wherever an id is read.
pub(crate) fn did_you_mean(id: &str) -> String {
    suggest(id).map_or_else(String::new, |known| format!("; did you mean `{known}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ignore_for_an_older_rule_covers_the_rule_that_took_over_its_findings() {
        assert!(ignore_covers("ban-drop-schema", "ban-drop-database"));
        assert!(ignore_covers("ban-drop-database", "ban-drop-database"));
        assert!(!ignore_covers("ban-drop-database", "ban-drop-schema"));
        assert!(!ignore_covers("ban-drop-schema", "ban-drop-table"));
        for (older, newer) in TAKEN_OVER {
            assert!(find(older).is_some() && find(newer).is_some(), "{older} -> {newer}");
        }
    }

    #[test]
    fn suggests_the_nearest_id_for_a_typo_and_nothing_for_other_words() {
        assert_eq!(suggest("require-concurent-index"), Some("require-concurrent-index"));
        assert_eq!(suggest("require-concurrent-indexes"), Some("require-concurrent-index"));
        assert_eq!(suggest("reqiure-concurrent-index"), Some("require-concurrent-index"));
        assert_eq!(suggest("prefer_text"), Some("prefer-text"));
        assert_eq!(suggest("ban-drop-tables"), Some("ban-drop-table"));
        assert_eq!(suggest("no-such-rule"), None);
        assert_eq!(suggest("lock-timeout"), None);
        assert_eq!(suggest("x"), None);
        assert_eq!(did_you_mean("prefer-txt"), "; did you mean `prefer-text`?");
        assert_eq!(did_you_mean("nope"), "");
    }
}
