//! SQLite spellings sqlparser does not read: each turned into one it reads
//! that means the same for what miglint judges (`respelled`), with words
//! blanked where they can be so positions in the statement hold; and the
//! statements SQLite accepts that miglint recognises but does not read
//! (`known_form`).

use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::Token;

use crate::parse::sqlparser_text::{self, blanked, first_words, is_word, keyword, Located};

fn located_code(sql: &str) -> Option<Vec<Located>> {
    sqlparser_text::located_code(&SQLiteDialect {}, sql)
}

/// The same statement in a spelling sqlparser reads, when one of the
/// rewrites here applies; each is tried on what the one before left.
pub(super) fn respelled(sql: &str) -> Option<String> {
    sqlparser_text::respell(
        &SQLiteDialect {},
        sql,
        &[trigger_if_not_exists, not_glob, materialized, insert_alias, on_conflict],
    )
}

/// `CREATE [TEMP | TEMPORARY] TRIGGER IF NOT EXISTS`: the tree then says
/// nothing of the IF NOT EXISTS.
fn trigger_if_not_exists(sql: &str, code: &[Located]) -> Option<String> {
    let temp = usize::from(is_word(code.get(1).map(|t| &t.0), &["TEMP", "TEMPORARY"]));
    let at = 2 + temp;
    let words = |from: usize, expected: &[&str]| {
        expected
            .iter()
            .enumerate()
            .all(|(i, e)| is_word(code.get(from + i).map(|t| &t.0), &[e]))
    };
    (first_words(code, &["CREATE"]) && words(at - 1, &["TRIGGER", "IF", "NOT", "EXISTS"]))
        .then(|| blanked(sql, code[at].1.start..code[at + 2].1.end))
}

/// `a NOT GLOB b` (and `NOT REGEXP`, `NOT MATCH`): read as `NOT LIKE`, an
/// operator of the same shape (only the words an expression names matter
/// to miglint).
fn not_glob(sql: &str, code: &[Located]) -> Option<String> {
    let mut text = sql.to_string();
    let mut found = false;
    for pair in code.windows(2) {
        if is_word(Some(&pair[0].0), &["NOT"]) && is_word(Some(&pair[1].0), &["GLOB", "REGEXP", "MATCH"]) {
            let range = pair[1].1.clone();
            text.replace_range(range.clone(), &format!("{:<width$}", "LIKE", width = range.len()));
            found = true;
        }
    }
    found.then_some(text)
}

/// `WITH c AS [NOT] MATERIALIZED (...)`: a planner hint.
fn materialized(sql: &str, code: &[Located]) -> Option<String> {
    let at = (1..code.len()).find(|&i| {
        is_word(Some(&code[i].0), &["MATERIALIZED"]) && code.get(i + 1).is_some_and(|t| t.0 == Token::LParen)
    })?;
    let from = if is_word(code.get(at - 1).map(|t| &t.0), &["NOT"]) {
        at - 1
    } else {
        at
    };
    let as_at = from.checked_sub(1)?;
    is_word(Some(&code[as_at].0), &["AS"]).then(|| blanked(sql, code[from].1.start..code[at].1.end))
}

/// `INSERT INTO t AS x ...`: an alias for the upsert clause.
fn insert_alias(sql: &str, code: &[Located]) -> Option<String> {
    let into = code.iter().position(|t| is_word(Some(&t.0), &["INTO"]))?;
    if !(first_words(code, &["INSERT"]) || first_words(code, &["REPLACE"])) {
        return None;
    }
    let mut at = into + 2;
    if code.get(into + 2).is_some_and(|t| t.0 == Token::Period) {
        at += 2;
    }
    let alias = code.get(at + 1)?;
    (is_word(code.get(at).map(|t| &t.0), &["AS"]) && matches!(alias.0, Token::Word(_)))
        .then(|| blanked(sql, code[at].1.start..alias.1.end))
}

/// `ON CONFLICT resolution` of a table's constraint in `CREATE TABLE`: how
/// SQLite resolves a violation, which changes nothing miglint judges.
fn on_conflict(sql: &str, code: &[Located]) -> Option<String> {
    if !first_words(code, &["CREATE"]) || !code.iter().take(4).any(|t| is_word(Some(&t.0), &["TABLE"])) {
        return None;
    }
    let clauses: Vec<_> = code
        .windows(3)
        .filter(|w| {
            is_word(Some(&w[0].0), &["ON"])
                && is_word(Some(&w[1].0), &["CONFLICT"])
                && is_word(Some(&w[2].0), &["ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE"])
        })
        .map(|w| w[0].1.start..w[2].1.end)
        .collect();
    if clauses.is_empty() {
        return None;
    }
    Some(
        clauses
            .into_iter()
            .fold(sql.to_string(), |text, range| blanked(&text, range)),
    )
}

/// Statements SQLite accepts that sqlparser cannot read, recognised here:
/// what they are, or None.
pub(super) fn known_form(sql: &str) -> Option<&'static str> {
    let code = located_code(sql)?;
    let name_at = |at: usize| matches!(code.get(at).map(|t| &t.0), Some(Token::Word(_)));
    let words: Vec<String> = code.iter().take(3).map(|t| keyword(&t.0).unwrap_or_default()).collect();
    match words.first().map(String::as_str)? {
        // REINDEX [collation | [schema.]table-or-index]
        "REINDEX" => (code.len() == 1 || name_at(1)).then_some("REINDEX"),
        // VACUUM [schema] [INTO file]
        "VACUUM" => Some("VACUUM"),
        // DETACH [DATABASE] schema
        "DETACH" => {
            let at = if words.get(1).map(String::as_str) == Some("DATABASE") {
                2
            } else {
                1
            };
            (name_at(at) && code.len() == at + 1).then_some("DETACH")
        }
        // CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module [(args)]:
        // a module's arguments are its own.
        "CREATE" if words.get(1).map(String::as_str) == Some("VIRTUAL") => {
            let using = code.iter().position(|t| is_word(Some(&t.0), &["USING"]))?;
            let balanced = code.iter().try_fold(0usize, |depth, (t, _)| match t {
                Token::LParen => Some(depth + 1),
                Token::RParen => depth.checked_sub(1),
                _ => Some(depth),
            }) == Some(0);
            (name_at(using + 1) && balanced).then_some("CREATE VIRTUAL TABLE")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_spelling_is_rewritten_into_one_sqlparser_reads() {
        let cases = [
            (
                "CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END",
                "CREATE TRIGGER               tr AFTER INSERT ON t BEGIN SELECT 1; END",
            ),
            (
                "SELECT a FROM t WHERE a NOT GLOB 'x'",
                "SELECT a FROM t WHERE a NOT LIKE 'x'",
            ),
            (
                "SELECT a FROM t WHERE a NOT REGEXP 'x'",
                "SELECT a FROM t WHERE a NOT LIKE   'x'",
            ),
            (
                "WITH c AS NOT MATERIALIZED (SELECT 1) SELECT * FROM c",
                "WITH c AS                  (SELECT 1) SELECT * FROM c",
            ),
            ("INSERT INTO t AS x (a) VALUES (1)", "INSERT INTO t      (a) VALUES (1)"),
            (
                "CREATE TABLE x (a int, UNIQUE (a) ON CONFLICT REPLACE)",
                "CREATE TABLE x (a int, UNIQUE (a)                    )",
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(respelled(sql).as_deref(), Some(expected), "{sql}");
        }
        assert_eq!(respelled("SELECT a FROM t WHERE a GLOB 'x'"), None);
        assert_eq!(known_form("REINDEX t"), Some("REINDEX"));
        assert_eq!(known_form("VACUUM INTO 'x.db'"), Some("VACUUM"));
        assert_eq!(known_form("DETACH DATABASE other"), Some("DETACH"));
        assert_eq!(known_form("DETACH DATABASE"), None);
        assert_eq!(
            known_form("CREATE VIRTUAL TABLE f USING fts5(a, tokenize='porter')"),
            Some("CREATE VIRTUAL TABLE")
        );
        assert_eq!(known_form("CREATE VIRTUAL TABLE f USING fts5(a"), None);
    }
}
