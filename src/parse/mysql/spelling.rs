//! MySQL and MariaDB spellings sqlparser does not read, each turned into
//! one it reads that means the same to the server: MariaDB's lock wait for
//! one statement (`WAIT n`, `NOWAIT`, `SET STATEMENT ... FOR`) and `ALTER
//! ONLINE TABLE`, and older or shorter MySQL forms (`SET @x := 1`, `LOCK
//! TABLE`, `UPDATE a, b SET`, `DELETE QUICK`, `LOCK IN SHARE MODE`, the `MOD`
//! operator, a column's `BINARY` attribute, `CREATE TABLE ... PARTITION BY`).
//! Words are blanked where they can be, so positions in the statement hold.

use std::ops::Range;

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::Token;

use crate::parse::sqlparser_text::{self, blanked, first_words, is_word, keyword, Located};

/// The statement's text starts with `word` (any case), a cheap test before
/// tokenizing it (a versioned comment's blanked marker is whitespace).
fn starts_with_word(sql: &str, word: &str) -> bool {
    sql.trim_start()
        .get(..word.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(word))
}

/// MariaDB's `ALTER ONLINE TABLE`, which is `ALTER TABLE ... LOCK=NONE`:
/// that statement (ONLINE blanked, the clause added at the end unless the
/// statement has a LOCK= of its own).
pub(super) fn alter_online(sql: &str) -> Option<String> {
    // Every statement passes here: tokenize only what may be one.
    if !starts_with_word(sql, "ALTER") {
        return None;
    }
    let code = located_code(sql)?;
    let words: Vec<Option<String>> = code.iter().take(3).map(|(t, _)| keyword(t)).collect();
    if words != [Some("ALTER".into()), Some("ONLINE".into()), Some("TABLE".into())] {
        return None;
    }
    let mut text = blanked(sql, code[1].1.clone());
    if !code.iter().any(|(t, _)| is_word(Some(t), &["LOCK"])) {
        text.push_str(", LOCK=NONE");
    }
    Some(text)
}

/// The code tokens of a MySQL statement with their bytes.
pub(super) fn located_code(sql: &str) -> Option<Vec<Located>> {
    sqlparser_text::located_code(&MySqlDialect {}, sql)
}

/// MariaDB's `SET STATEMENT name = value [, ...] FOR statement`: the
/// statement (the head blanked) and the `lock_wait_timeout` it sets.
pub(super) fn set_statement(sql: &str) -> Option<(String, Option<f64>)> {
    if !starts_with_word(sql, "SET") {
        return None;
    }
    let code = located_code(sql)?;
    if !(is_word(code.first().map(|t| &t.0), &["SET"]) && is_word(code.get(1).map(|t| &t.0), &["STATEMENT"])) {
        return None;
    }
    let mut depth = 0usize;
    let for_at = code.iter().position(|(token, _)| {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && is_word(Some(token), &["FOR"])
    })?;
    let assignments: Vec<&[Located]> = code[2..for_at].split(|(token, _)| *token == Token::Comma).collect();
    let mut lock_wait = None;
    for assignment in &assignments {
        match assignment {
            [(name, _), (Token::Eq, _), (value, _)] => {
                if keyword(name).as_deref() == Some("LOCK_WAIT_TIMEOUT") {
                    lock_wait = Some(value.to_string().trim_matches(['\'', '"']).parse().ok()?);
                }
            }
            [(_, _), (Token::Eq, _), ..] => {}
            _ => return None,
        }
    }
    let head = code[0].1.start..code[for_at].1.end;
    Some((blanked(sql, head), lock_wait))
}

/// A DDL statement with MariaDB's `WAIT n` or `NOWAIT` at its top level:
/// the statement without it, and the seconds it waits at most.
pub(super) fn without_wait(sql: &str) -> Option<(String, f64)> {
    let code = located_code(sql)?;
    const DDL: &[&str] = &["ALTER", "CREATE", "DROP", "TRUNCATE", "RENAME", "LOCK", "OPTIMIZE"];
    if !is_word(code.first().map(|t| &t.0), DDL) {
        return None;
    }
    let mut depth = 0usize;
    for (i, (token, range)) in code.iter().enumerate() {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ if is_word(Some(token), &["NOWAIT"]) => return Some((blanked(sql, range.clone()), 0.0)),
            _ if is_word(Some(token), &["WAIT"]) => {
                if let Some((Token::Number(n, _), number)) = code.get(i + 1) {
                    let seconds = n.parse().ok()?;
                    return Some((blanked(sql, range.start..number.end), seconds));
                }
            }
            _ => {}
        }
    }
    None
}

/// The same statement in a spelling sqlparser reads, when one of the
/// rewrites here applies; each is tried on what the one before left.
pub(super) fn respelled(sql: &str) -> Option<String> {
    sqlparser_text::respell(
        &MySqlDialect {},
        sql,
        &[
            set_assignment,
            lock_table,
            update_with_commas,
            delete_modifiers,
            lock_in_share_mode,
            mod_operator,
            binary_attribute,
            create_table_partitions,
        ],
    )
}

/// The tokens at the statement's top level (outside parentheses), by index.
fn top_level(code: &[Located]) -> Vec<usize> {
    let mut depth = 0usize;
    let mut top = Vec::new();
    for (i, (token, _)) in code.iter().enumerate() {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth == 0 => top.push(i),
            _ => {}
        }
    }
    top
}

/// `SET @x := 1`: `:=` is `=` in a SET.
fn set_assignment(sql: &str, code: &[Located]) -> Option<String> {
    if !first_words(code, &["SET"]) {
        return None;
    }
    let mut text = sql.to_string();
    let mut found = false;
    for (token, range) in code {
        if *token == Token::Assignment {
            text.replace_range(range.clone(), " =");
            found = true;
        }
    }
    found.then_some(text)
}

/// `LOCK TABLE t WRITE`: TABLE is TABLES.
fn lock_table(sql: &str, code: &[Located]) -> Option<String> {
    if !first_words(code, &["LOCK", "TABLE"]) {
        return None;
    }
    let mut text = sql.to_string();
    text.insert(code[1].1.end, 'S');
    Some(text)
}

/// `UPDATE a, b SET ...`: a comma between the tables is a join.
fn update_with_commas(sql: &str, code: &[Located]) -> Option<String> {
    if !first_words(code, &["UPDATE"]) {
        return None;
    }
    let set = top_level(code)
        .into_iter()
        .find(|&i| is_word(Some(&code[i].0), &["SET"]))?;
    let commas: Vec<&Range<usize>> = top_level(&code[..set])
        .into_iter()
        .filter(|&i| code[i].0 == Token::Comma)
        .map(|i| &code[i].1)
        .collect();
    if commas.is_empty() {
        return None;
    }
    let mut text = sql.to_string();
    for comma in commas.into_iter().rev() {
        text.replace_range(comma.clone(), " JOIN ");
    }
    Some(text)
}

/// `DELETE [LOW_PRIORITY] [QUICK] [IGNORE] FROM`: QUICK and IGNORE change
/// nothing miglint judges.
fn delete_modifiers(sql: &str, code: &[Located]) -> Option<String> {
    if !first_words(code, &["DELETE"]) {
        return None;
    }
    let modifiers: Vec<&Range<usize>> = code[1..]
        .iter()
        .take_while(|(t, _)| is_word(Some(t), &["LOW_PRIORITY", "QUICK", "IGNORE"]))
        .filter(|(t, _)| !is_word(Some(t), &["LOW_PRIORITY"]))
        .map(|(_, range)| range)
        .collect();
    if modifiers.is_empty() {
        return None;
    }
    Some(
        modifiers
            .into_iter()
            .fold(sql.to_string(), |text, range| blanked(&text, range.clone())),
    )
}

/// `... LOCK IN SHARE MODE`: the older spelling of `FOR SHARE`.
fn lock_in_share_mode(sql: &str, code: &[Located]) -> Option<String> {
    let words: Vec<Option<String>> = code.iter().map(|(t, _)| keyword(t)).collect();
    let at = words.windows(4).rposition(|w| {
        w.iter()
            .map(Option::as_deref)
            .eq([Some("LOCK"), Some("IN"), Some("SHARE"), Some("MODE")])
    })?;
    let range = code[at].1.start..code[at + 3].1.end;
    let mut text = sql.to_string();
    text.replace_range(range.clone(), &format!("{:<width$}", "FOR SHARE", width = range.len()));
    Some(text)
}

/// `a MOD b`: the operator `%` (not the function `MOD(a, b)`).
fn mod_operator(sql: &str, code: &[Located]) -> Option<String> {
    // Words before and after `MOD` that are keywords, not operands.
    const CLAUSES: &[&str] = &[
        "SELECT", "WHERE", "AND", "OR", "NOT", "ON", "BY", "SET", "HAVING", "WHEN", "THEN", "ELSE", "FROM", "AS",
    ];
    let operand = |t: &Token| match t {
        Token::Word(_) => !is_word(Some(t), CLAUSES),
        Token::Number(..) => true,
        _ => false,
    };
    let mut text = sql.to_string();
    let mut found = false;
    for i in 1..code.len().saturating_sub(1) {
        let (token, range) = &code[i];
        let before = operand(&code[i - 1].0) || code[i - 1].0 == Token::RParen;
        if is_word(Some(token), &["MOD"]) && before && operand(&code[i + 1].0) {
            text.replace_range(range.clone(), &format!("{:<3}", "%"));
            found = true;
        }
    }
    found.then_some(text)
}

/// A column's `BINARY` attribute after its type (`char(36) BINARY`): a
/// binary collation, which miglint does not track.
fn binary_attribute(sql: &str, code: &[Located]) -> Option<String> {
    if !(first_words(code, &["CREATE", "TABLE"]) || first_words(code, &["ALTER", "TABLE"])) {
        return None;
    }
    let attributes: Vec<&Range<usize>> = (1..code.len())
        .filter(|&i| is_word(Some(&code[i].0), &["BINARY"]) && code[i - 1].0 == Token::RParen)
        .filter(|&i| code.get(i + 1).is_none_or(|(t, _)| *t != Token::LParen))
        .map(|i| &code[i].1)
        .collect();
    if attributes.is_empty() {
        return None;
    }
    Some(
        attributes
            .into_iter()
            .fold(sql.to_string(), |text, range| blanked(&text, range.clone())),
    )
}

/// `CREATE TABLE ... PARTITION BY ...`: the table without its partitions,
/// which miglint does not model.
fn create_table_partitions(sql: &str, code: &[Located]) -> Option<String> {
    if !first_words(code, &["CREATE", "TABLE"]) {
        return None;
    }
    let top = top_level(code);
    let at = top.windows(2).find_map(|w| {
        (is_word(Some(&code[w[0]].0), &["PARTITION"]) && is_word(Some(&code[w[1]].0), &["BY"]) && w[1] == w[0] + 1)
            .then_some(w[0])
    })?;
    let end = code.last()?.1.end;
    Some(blanked(sql, code[at].1.start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_spelling_is_rewritten_into_one_sqlparser_reads() {
        let cases = [
            ("SET @x := 1", "SET @x  = 1"),
            ("LOCK TABLE t WRITE", "LOCK TABLES t WRITE"),
            ("UPDATE t, u SET t.b = u.b", "UPDATE t JOIN  u SET t.b = u.b"),
            (
                "DELETE LOW_PRIORITY QUICK IGNORE FROM t",
                "DELETE LOW_PRIORITY              FROM t",
            ),
            (
                "SELECT a FROM t LOCK IN SHARE MODE",
                "SELECT a FROM t FOR SHARE         ",
            ),
            ("SELECT a MOD 2, MOD(a, 2) FROM t", "SELECT a %   2, MOD(a, 2) FROM t"),
            (
                "CREATE TABLE x (a char(36) BINARY)",
                "CREATE TABLE x (a char(36)       )",
            ),
            (
                "CREATE TABLE x (a int) PARTITION BY HASH (a)",
                "CREATE TABLE x (a int)                      ",
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(respelled(sql).as_deref(), Some(expected), "{sql}");
        }
        for unchanged in ["SET @x = 1", "SELECT mod FROM t", "ALTER TABLE t PARTITION BY HASH (a)"] {
            assert_eq!(respelled(unchanged), None, "{unchanged}");
        }
    }
}
