//! MySQL and MariaDB files become statements with exact spans, parsed by
//! `sqlparser`'s MySQL dialect, and located problems for what the server
//! would reject.
//!
//! The file is split here, by a scanner that reads strings, quoted names and
//! comments as the server does, at the statement delimiter: `;`, or what a
//! `DELIMITER` line of the `mysql` client set. Under `;` a stored program's
//! `BEGIN ... END` body is kept whole (the server reads it whole when a
//! migration tool sends the file in one go). Versioned comments
//! (`/*!50100 ... */`, `/*M!100100 ... */`) are code: their markers are
//! blanked with spaces, so spans stay those of the file. Each piece is then
//! parsed on its own, so one bad statement never hides the rest.
//!
//! What sqlparser cannot read but the server accepts is never a syntax
//! error: a stored program becomes `MysqlKind::Routine`; the `ALTER TABLE`
//! changes sqlparser has no form for (table options, `CONVERT TO CHARACTER
//! SET`, `FORCE`, `RENAME INDEX`, MariaDB's `IF [NOT] EXISTS`) are read here
//! (`MysqlKind::Alter`), so they are judged like the rest; a few other forms
//! common in migrations (`PREPARE ... FROM`, `CREATE FULLTEXT INDEX`...) are
//! an `Unsupported` problem: valid, but not judged by miglint.

use sqlparser::ast::Statement as Ast;
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

mod spelling;

use super::sqlparser_text::{blanked, is_word, keyword, parser_error, syntax_problem, LineStarts};
use super::{Comment, ParseProblem, ProblemKind};
use crate::input::source::{SourceFile, Span};
use spelling::{alter_online, located_code, respelled, set_statement, without_wait};

/// One statement of a MySQL file.
#[derive(Debug, Clone)]
pub(crate) struct MysqlStatement {
    /// From the first token to the last, without the delimiter.
    pub span: Span,
    pub kind: MysqlKind,
    /// The lock wait timeout of this statement alone, in seconds: MariaDB's
    /// `WAIT n` (`NOWAIT`: 0) or `SET STATEMENT lock_wait_timeout = n FOR`.
    pub lock_wait: Option<f64>,
}

#[derive(Debug, Clone)]
pub(crate) enum MysqlKind {
    /// A statement as sqlparser reads it.
    Ast(Box<Ast>),
    /// A stored program (`CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT`) whose
    /// body sqlparser cannot read but the server accepts: kept whole, not
    /// a syntax error. `object` is `procedure`, `function`, `trigger` or
    /// `event`; `table` the table of a trigger.
    Routine {
        object: &'static str,
        name: String,
        table: Option<String>,
    },
    /// An `ALTER TABLE` with changes sqlparser cannot carry: `ast` holds
    /// the changes it reads (parsed from the statement without the others,
    /// so only the statement's span is exact), `clauses` the others.
    Alter { ast: Box<Ast>, clauses: Vec<AlterClause> },
}

/// A change of an `ALTER TABLE` that sqlparser has no form for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AlterClause {
    /// `FORCE`, and the options that rebuild the table (ENCRYPTION,
    /// COMPRESSION, PAGE_COMPRESSED, TRANSACTIONAL).
    Force,
    /// `ENGINE=name`, lowercased.
    Engine(String),
    /// `ROW_FORMAT=`, `KEY_BLOCK_SIZE=`.
    RowFormat,
    /// `CONVERT TO CHARACTER SET name`, lowercased.
    ConvertCharset(String),
    /// `[DEFAULT] CHARACTER SET [=] name` (or only a COLLATE), lowercased.
    DefaultCharset(String),
    /// `RENAME {INDEX | KEY} a TO b`.
    RenameIndex,
    /// `COMMENT=` and the other table options that only change metadata.
    Metadata,
    /// `ORDER BY columns`.
    OrderBy,
    /// `DISABLE KEYS`/`ENABLE KEYS`, which InnoDB ignores.
    Keys,
    /// `ALGORITHM [=] name` of a statement whose tree has no place for it
    /// (MySQL's `DROP INDEX ... ALGORITHM=`), uppercase.
    Algorithm(String),
    /// `LOCK [=] name` of such a statement, uppercase.
    Lock(String),
}

/// A parsed MySQL file.
#[derive(Debug, Default)]
pub(crate) struct MysqlFile {
    pub statements: Vec<MysqlStatement>,
    pub problems: Vec<ParseProblem>,
    /// `--`, `#` and `/* */` comments (not `/*! */` versioned comments,
    /// whose text is code), for `miglint: ignore` directives.
    pub comments: Vec<Comment>,
    /// False when the file is empty or holds only comments and whitespace.
    pub has_code: bool,
}

pub(crate) fn parse_mysql(source: &SourceFile) -> MysqlFile {
    let text: &str = &source.text;
    let scan = scan(text);
    let mut file = MysqlFile {
        comments: scan.comments,
        has_code: !scan.pieces.is_empty(),
        ..MysqlFile::default()
    };
    file.problems.extend(scan.problems);
    for piece in scan.pieces {
        let span = piece.span;
        if let Some((at, what)) = piece.unterminated {
            file.problems.push(syntax_problem(
                "MySQL",
                text,
                span,
                at,
                &format!("unterminated {what}: the server reads the rest of the file into it"),
            ));
            continue;
        }
        let sql = &scan.code[span.start..span.end];
        let (read, lock_wait) = read_with_lock_wait(sql);
        match read {
            Read::Statement(kind) => file.statements.push(MysqlStatement { span, kind, lock_wait }),
            Read::Unsupported(what) => file.problems.push(ParseProblem {
                kind: ProblemKind::Unsupported,
                span,
                message: format!(
                    "MySQL accepts this statement, but miglint cannot read {what}; miglint does not check it"
                ),
            }),
            Read::Error(message, at) => {
                let at = at.map_or(span.start, |(line, column)| {
                    span.start + LineStarts::new(sql).offset(sql, line, column)
                });
                file.problems.push(syntax_problem("MySQL", text, span, at, &message));
            }
        }
    }
    file.problems.sort_by_key(|p| p.span);
    file
}

/// What a piece of the file is.
enum Read {
    Statement(MysqlKind),
    /// Valid MySQL that sqlparser cannot read: what it is, for the message.
    Unsupported(String),
    /// sqlparser's message, and the 1-based line and column it names (in
    /// the piece).
    Error(String, Option<(u64, u64)>),
}

/// A statement with MariaDB's lock wait forms read: `SET STATEMENT
/// assignments FOR statement`, and `WAIT n`/`NOWAIT` after the object a DDL
/// statement names (each blanked, so positions in the statement hold).
fn read_with_lock_wait(sql: &str) -> (Read, Option<f64>) {
    if let Some((inner, set)) = set_statement(sql) {
        let (read, wait) = read_with_lock_wait(&inner);
        return (read, wait.or(set));
    }
    let online;
    let sql = match alter_online(sql) {
        Some(rewritten) => {
            online = rewritten;
            online.as_str()
        }
        None => sql,
    };
    let mut read = read_statement(sql);
    if let Read::Error(..) = read {
        if let Some(statement) = respelled(sql).and_then(|text| parse_one(&text).ok()) {
            read = Read::Statement(MysqlKind::Ast(Box::new(statement)));
        }
    }
    if let Read::Error(..) = read {
        if let Some((blanked, wait)) = without_wait(sql) {
            match read_statement(&blanked) {
                Read::Error(..) => {}
                read => return (read, Some(wait)),
            }
        }
    }
    (read, None)
}

fn read_statement(sql: &str) -> Read {
    let error = match parse_one(sql) {
        Ok(statement) => return Read::Statement(MysqlKind::Ast(Box::new(statement))),
        Err(error) => error,
    };
    let Ok(tokens) = Tokenizer::new(&MySqlDialect {}, sql).tokenize() else {
        return Read::Error(error.0, error.1);
    };
    let code: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::EOF))
        .collect();
    if let Some(kind) = routine(&code) {
        return Read::Statement(kind);
    }
    if let Some(statement) = rename_without_to(sql).and_then(|rewritten| parse_one(&rewritten).ok()) {
        return Read::Statement(MysqlKind::Ast(Box::new(statement)));
    }
    if let Some(kind) = alter_with_clauses(&code) {
        return Read::Statement(kind);
    }
    if let Some(kind) = optimize_table(&code) {
        return Read::Statement(kind);
    }
    if let Some(kind) = drop_index_with_clauses(&code) {
        return Read::Statement(kind);
    }
    match known_form(sql, &code) {
        Some(what) => Read::Unsupported(what),
        None => Read::Error(error.0, error.1),
    }
}

/// One statement, the whole of `sql`.
fn parse_one(sql: &str) -> Result<Ast, (String, Option<(u64, u64)>)> {
    let mut parser = Parser::new(&MySqlDialect {})
        .try_with_sql(sql)
        .map_err(|e| parser_error(&e.to_string()))?;
    let statement = parser.parse_statement().map_err(|e| parser_error(&e.to_string()))?;
    // Trailing `;`s are read as the server reads them: nothing.
    while parser.peek_token().token == Token::SemiColon {
        parser.next_token();
    }
    if parser.peek_token().token != Token::EOF {
        let at = parser.peek_token().span.start;
        return Err((
            "unexpected text after the statement".to_string(),
            Some((at.line, at.column)),
        ));
    }
    Ok(statement)
}

/// A name, `a` or `a.b`, starting at `at`: its text and the index after it.
fn object_name(code: &[Token], mut at: usize) -> Option<(String, usize)> {
    let mut parts = Vec::new();
    loop {
        match code.get(at) {
            Some(Token::Word(w)) => parts.push(w.value.clone()),
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => parts.push(s.clone()),
            _ => return None,
        }
        at += 1;
        if code.get(at) != Some(&Token::Period) {
            return Some((parts.join("."), at));
        }
        at += 1;
    }
}

/// `CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE] PROCEDURE | FUNCTION |
/// TRIGGER | EVENT [IF NOT EXISTS] name ...`, which sqlparser could not
/// read: the routine it creates.
fn routine(code: &[Token]) -> Option<MysqlKind> {
    if !is_word(code.first(), &["CREATE"]) {
        return None;
    }
    // What may come between CREATE and the object: OR REPLACE, DEFINER =
    // user (a name, a string, `@`, CURRENT_USER[()]), AGGREGATE.
    let (at, object) = code.iter().enumerate().take(16).skip(1).find_map(|(i, t)| {
        let object = match keyword(t)?.as_str() {
            "PROCEDURE" => "procedure",
            "FUNCTION" => "function",
            "TRIGGER" => "trigger",
            "EVENT" => "event",
            _ => return None,
        };
        Some((i, object))
    })?;
    let head_ok = code[1..at].iter().all(|t| match t {
        Token::Word(w) if w.quote_style.is_none() => !matches!(
            w.value.to_ascii_uppercase().as_str(),
            "TABLE" | "VIEW" | "INDEX" | "DATABASE" | "SCHEMA" | "USER" | "ROLE" | "SERVER" | "TABLESPACE"
        ),
        Token::Word(_)
        | Token::Eq
        | Token::AtSign
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::LParen
        | Token::RParen
        | Token::Period => true,
        // sqlparser reads `@'%'` and `@host` as one token.
        t => t.to_string().starts_with('@'),
    });
    if !head_ok {
        return None;
    }
    // Its blocks must close: a body cut short is the server's syntax error.
    let mut blocks = Blocks::default();
    for (i, token) in code.iter().enumerate() {
        match token {
            Token::Word(w) if w.quote_style.is_none() => {
                let next = if code.get(i + 1) == Some(&Token::LParen) {
                    b'('
                } else {
                    b' '
                };
                blocks.word(&w.value, next);
            }
            Token::SemiColon => blocks.punctuation(b';'),
            Token::Colon => blocks.punctuation(b':'),
            _ => blocks.punctuation(b'.'),
        }
    }
    if blocks.depth > 0 {
        return None;
    }
    let mut name_at = at + 1;
    if is_word(code.get(name_at), &["IF"]) && is_word(code.get(name_at + 1), &["NOT"]) {
        name_at += 3;
    }
    let (name, after) = object_name(code, name_at)?;
    let table = match object {
        "trigger" => {
            let on = (after..code.len()).find(|&i| is_word(code.get(i), &["ON"]))?;
            Some(object_name(code, on + 1)?.0)
        }
        _ => None,
    };
    Some(MysqlKind::Routine { object, name, table })
}

/// `ALTER TABLE t RENAME new` (MySQL's `TO` and `AS` are optional), which
/// sqlparser reads only with `TO`: the statement with `TO` written in, for
/// its tree (positions inside the tree are never used, only the statement's
/// span). None for any other statement.
fn rename_without_to(sql: &str) -> Option<String> {
    let tokens = Tokenizer::new(&MySqlDialect {}, sql).tokenize_with_location().ok()?;
    let code: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .collect();
    if !(is_word(code.first().map(|t| &t.token), &["ALTER"])) {
        return None;
    }
    let table_at = code.iter().position(|t| is_word(Some(&t.token), &["TABLE"]))?;
    let lines = LineStarts::new(sql);
    let mut rewritten = sql.to_string();
    let mut inserted = 0;
    let mut depth = 0usize;
    for (i, token) in code.iter().enumerate().skip(table_at + 2) {
        match token.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        let clause_start = matches!(code[i - 1].token, Token::Comma) || i == table_at + 2;
        let bare_name = matches!(code.get(i + 1).map(|t| &t.token), Some(Token::Word(_)))
            && !is_word(
                code.get(i + 1).map(|t| &t.token),
                &["TO", "AS", "INDEX", "KEY", "COLUMN", "CONSTRAINT"],
            );
        if depth == 0 && clause_start && is_word(Some(&token.token), &["RENAME"]) && bare_name {
            let end = lines.offset(sql, token.span.end.line, token.span.end.column);
            rewritten.insert_str(end + inserted, " TO");
            inserted += 3;
        }
    }
    (inserted > 0).then_some(rewritten)
}

/// MySQL's `DROP INDEX i ON t ALGORITHM [=] x LOCK [=] y`: the DROP INDEX,
/// and its clauses, which sqlparser's tree of it has no place for.
fn drop_index_with_clauses(code: &[Token]) -> Option<MysqlKind> {
    if !(is_word(code.first(), &["DROP"]) && is_word(code.get(1), &["INDEX"])) {
        return None;
    }
    let on = code.iter().position(|t| is_word(Some(t), &["ON"]))?;
    let (_, end) = object_name(code, on + 1)?;
    let mut rest = &code[end..];
    if rest.is_empty() {
        return None;
    }
    let mut clauses = Vec::new();
    while !rest.is_empty() {
        let after = algorithm_or_lock(rest)?;
        let value = keyword(&rest[rest.len() - after.len() - 1])?;
        clauses.push(match keyword(&rest[0])?.as_str() {
            "ALGORITHM" => AlterClause::Algorithm(value),
            _ => AlterClause::Lock(value),
        });
        rest = after;
    }
    let ast = parse_one(&tokens_text(&code[..end])).ok()?;
    Some(MysqlKind::Alter {
        ast: Box::new(ast),
        clauses,
    })
}

/// `OPTIMIZE [NO_WRITE_TO_BINLOG | LOCAL] TABLE t`: InnoDB runs it as
/// `ALTER TABLE t FORCE` (MySQL manual, "OPTIMIZE TABLE"; MariaDB's too
/// unless `innodb_defragment` is on), and it is judged as that.
fn optimize_table(code: &[Token]) -> Option<MysqlKind> {
    if !is_word(code.first(), &["OPTIMIZE"]) {
        return None;
    }
    let mut at = 1;
    if is_word(code.get(at), &["NO_WRITE_TO_BINLOG", "LOCAL"]) {
        at += 1;
    }
    if !is_word(code.get(at), &["TABLE", "TABLES"]) {
        return None;
    }
    let (_, end) = object_name(code, at + 1)?;
    if end != code.len() {
        return None;
    }
    let ast = parse_one(&format!(
        "ALTER TABLE {} ALGORITHM=DEFAULT",
        tokens_text(&code[at + 1..end])
    ))
    .ok()?;
    Some(MysqlKind::Alter {
        ast: Box::new(ast),
        clauses: vec![AlterClause::Force],
    })
}

/// MySQL statements that sqlparser cannot read, recognised here: what they
/// are, or None.
fn known_form(sql: &str, code: &[Token]) -> Option<String> {
    let words: Vec<String> = code.iter().take(4).map(|t| keyword(t).unwrap_or_default()).collect();
    let starts = |head: &[&str]| words.len() >= head.len() && words.iter().zip(head).all(|(w, h)| w == h);
    if starts(&["ALTER", "TABLE"]) || starts(&["ALTER", "ONLINE", "TABLE"]) || starts(&["ALTER", "IGNORE", "TABLE"]) {
        return alter_table(code);
    }
    if starts(&["CREATE", "USER"]) || starts(&["ALTER", "USER"]) {
        // An account is `'user'@'host'`, which sqlparser does not read.
        let account = code
            .iter()
            .any(|t| *t == Token::AtSign || t.to_string().starts_with('@'));
        return account.then(|| format!("{} {}", words[0], words[1]));
    }
    if starts(&["PREPARE"]) {
        // PREPARE name FROM @var | 'text'
        let from_ok = matches!(code.get(1), Some(Token::Word(_))) && is_word(code.get(2), &["FROM"]);
        let source_ok = match (code.get(3), code.get(4)) {
            (Some(Token::SingleQuotedString(_) | Token::DoubleQuotedString(_)), None) => true,
            (Some(t), None) => t.to_string().starts_with('@'),
            (Some(Token::AtSign), Some(Token::Word(_))) => code.len() == 5,
            _ => false,
        };
        return (from_ok && source_ok).then(|| "the statement PREPARE makes from text".to_string());
    }
    if starts(&["DROP", "EVENT"]) {
        let mut at = 2;
        if is_word(code.get(2), &["IF"]) && is_word(code.get(3), &["EXISTS"]) {
            at = 4;
        }
        let (_, end) = object_name(code, at)?;
        return (end == code.len()).then(|| "DROP EVENT".to_string());
    }
    if starts(&["ALTER", "DATABASE"]) || starts(&["ALTER", "SCHEMA"]) {
        let mut at = 2;
        if !is_word(code.get(2), &["DEFAULT", "CHARACTER", "CHARSET", "COLLATE"]) {
            at = object_name(code, 2)?.1;
        }
        let mut clause = &code[at..];
        while !clause.is_empty() {
            clause = charset_option(clause)?;
        }
        return Some("ALTER DATABASE".to_string());
    }
    if starts(&["CREATE", "FULLTEXT", "INDEX"]) || starts(&["CREATE", "SPATIAL", "INDEX"]) {
        // The same statement without FULLTEXT or SPATIAL must read.
        let blanked = blank_words(sql, 1, 1)?;
        parse_one(&blanked).ok()?;
        return Some(format!("CREATE {} INDEX", words[1]));
    }
    None
}

/// `ALGORITHM [=] word` or `LOCK [=] word`: what follows it.
fn algorithm_or_lock(code: &[Token]) -> Option<&[Token]> {
    if !is_word(code.first(), &["ALGORITHM", "LOCK"]) {
        return None;
    }
    let at = if code.get(1) == Some(&Token::Eq) { 2 } else { 1 };
    keyword(code.get(at)?)?;
    Some(&code[at + 1..])
}

/// `[DEFAULT] {CHARACTER SET | CHARSET | COLLATE} [=] name`: what follows it.
fn charset_option(code: &[Token]) -> Option<&[Token]> {
    let mut at = usize::from(is_word(code.first(), &["DEFAULT"]));
    if is_word(code.get(at), &["CHARACTER"]) && is_word(code.get(at + 1), &["SET"]) {
        at += 2;
    } else if is_word(code.get(at), &["CHARSET", "COLLATE"]) {
        at += 1;
    } else {
        return None;
    }
    if code.get(at) == Some(&Token::Eq) {
        at += 1;
    }
    match code.get(at)? {
        Token::Word(_) | Token::SingleQuotedString(_) | Token::DoubleQuotedString(_) => Some(&code[at + 1..]),
        _ => None,
    }
}

/// Table options `ALTER TABLE` may set: `name [=] value`.
const TABLE_OPTIONS: &[&str] = &[
    "ENGINE",
    "AUTO_INCREMENT",
    "AVG_ROW_LENGTH",
    "CHECKSUM",
    "COMMENT",
    "COMPRESSION",
    "DELAY_KEY_WRITE",
    "ENCRYPTION",
    "KEY_BLOCK_SIZE",
    "MAX_ROWS",
    "MIN_ROWS",
    "PACK_KEYS",
    "PAGE_CHECKSUM",
    "PAGE_COMPRESSED",
    "ROW_FORMAT",
    "STATS_AUTO_RECALC",
    "STATS_PERSISTENT",
    "STATS_SAMPLE_PAGES",
    "TRANSACTIONAL",
];

/// An `ALTER TABLE` sqlparser could not read: each of its changes (split at
/// top-level commas) must be read by sqlparser alone or be a form known
/// here; the first unreadable one is named.
fn alter_table(code: &[Token]) -> Option<String> {
    let table_at = code.iter().position(|t| is_word(Some(t), &["TABLE"]))? + 1;
    let (_, start) = object_name(code, table_at)?;
    let mut unread = None;
    for clause in top_level_clauses(&code[start..]) {
        let alone = format!("ALTER TABLE t {}", tokens_text(clause));
        let readable = parse_one(&alone).is_ok()
            || rename_without_to(&alone).is_some_and(|rewritten| parse_one(&rewritten).is_ok());
        if readable {
            continue;
        }
        let what = alter_clause(clause)?;
        unread.get_or_insert(what);
    }
    unread.map(|what| format!("{what} in ALTER TABLE"))
}

/// An `ALTER TABLE` whose every change sqlparser reads alone or is a form
/// known here: the changes sqlparser reads as one statement, and the
/// others as clauses.
fn alter_with_clauses(code: &[Token]) -> Option<MysqlKind> {
    if !is_word(code.first(), &["ALTER"]) {
        return None;
    }
    let table_at = code.iter().position(|t| is_word(Some(t), &["TABLE"]))? + 1;
    let (_, start) = object_name(code, table_at)?;
    let head: Vec<String> = code[..start].iter().map(ToString::to_string).collect();
    let mut readable: Vec<String> = Vec::new();
    let mut clauses = Vec::new();
    for clause in top_level_clauses(&code[start..]) {
        let text = tokens_text(clause);
        let alone = format!("ALTER TABLE t {text}");
        if parse_one(&alone).is_ok() {
            readable.push(text);
        } else if let Some(rewritten) = rename_without_to(&alone).filter(|r| parse_one(r).is_ok()) {
            readable.push(rewritten["ALTER TABLE t ".len()..].to_string());
        } else if let Some(change) = readable_form(clause) {
            readable.push(change);
        } else {
            clauses.push(clause_of(clause)?);
        }
    }
    // A statement of clauses only still needs one change sqlparser reads.
    if readable.is_empty() {
        readable.push("ALGORITHM=DEFAULT".to_string());
    }
    let ast = Box::new(parse_one(&format!("{} {}", head.join(" "), readable.join(", "))).ok()?);
    Some(if clauses.is_empty() {
        MysqlKind::Ast(ast)
    } else {
        MysqlKind::Alter { ast, clauses }
    })
}

/// The changes of an `ALTER TABLE` after its name, split at top-level commas.
fn top_level_clauses(code: &[Token]) -> Vec<&[Token]> {
    let mut clauses = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for (i, token) in code.iter().enumerate() {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => {
                clauses.push(&code[from..i]);
                from = i + 1;
            }
            // ORDER BY comes last, and its column list holds commas.
            _ if depth == 0 && i == from && is_word(Some(token), &["ORDER"]) && is_word(code.get(i + 1), &["BY"]) => {
                break;
            }
            _ => {}
        }
    }
    clauses.push(&code[from..]);
    clauses
}

fn tokens_text(tokens: &[Token]) -> String {
    tokens.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// A change sqlparser reads once MariaDB's `IF [NOT] EXISTS` is left out,
/// or `DROP KEY`/`DROP CHECK` are spelled `DROP INDEX`/`DROP CONSTRAINT`:
/// that spelling.
fn readable_form(clause: &[Token]) -> Option<String> {
    if let Some(text) = add_column_list(clause) {
        return parse_one(&format!("ALTER TABLE t {text}")).ok().map(|_| text);
    }
    let words: Vec<String> = clause.iter().map(|t| keyword(t).unwrap_or_default()).collect();
    let without = |skip: std::ops::Range<usize>| -> String {
        let kept: Vec<Token> = clause
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, t)| t.clone())
            .collect();
        tokens_text(&kept)
    };
    let found = words
        .windows(3)
        .position(|w| w == ["IF", "NOT", "EXISTS"])
        .map(|at| at..at + 3);
    let found = found.or_else(|| {
        words
            .windows(2)
            .position(|w| w == ["IF", "EXISTS"])
            .map(|at| at..at + 2)
    });
    let mut text = match found {
        Some(range) => without(range),
        None => tokens_text(clause),
    };
    if words.first().map(String::as_str) == Some("DROP") {
        let rest: Vec<&str> = text.splitn(3, ' ').collect();
        if let [_, kind, name] = rest.as_slice() {
            let kind = kind.to_ascii_uppercase();
            if kind == "KEY" {
                text = format!("DROP INDEX {name}");
            } else if kind == "CHECK" {
                text = format!("DROP CONSTRAINT {name}");
            }
        }
    }
    parse_one(&format!("ALTER TABLE t {text}")).ok().map(|_| text)
}

/// `ADD [COLUMN] (a int, b int)`: one `ADD COLUMN` per column.
fn add_column_list(clause: &[Token]) -> Option<String> {
    if !is_word(clause.first(), &["ADD"]) {
        return None;
    }
    let open = match clause.get(1)? {
        Token::LParen => 1,
        t if is_word(Some(t), &["COLUMN"]) && clause.get(2) == Some(&Token::LParen) => 2,
        _ => return None,
    };
    if clause.last() != Some(&Token::RParen) {
        return None;
    }
    let inner = &clause[open + 1..clause.len() - 1];
    // The parentheses must be the list's own: they close only at its end.
    let mut depth = 0isize;
    for token in inner {
        match token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    let columns: Vec<String> = top_level_clauses(inner)
        .into_iter()
        .map(|column| format!("ADD COLUMN {}", tokens_text(column)))
        .collect();
    Some(columns.join(", "))
}

/// A change known here (`alter_clause`) as the clause the online DDL
/// verdicts judge.
fn clause_of(clause: &[Token]) -> Option<AlterClause> {
    alter_clause(clause)?;
    let first = keyword(clause.first()?)?;
    let value = |at: usize| {
        clause
            .get(at)
            .map(|t| t.to_string().trim_matches(['\'', '"', '`']).to_lowercase())
    };
    let after_eq = |at: usize| if clause.get(at) == Some(&Token::Eq) { at + 1 } else { at };
    if charset_option(clause).is_some() {
        // [DEFAULT] CHARACTER SET [=] name | CHARSET [=] name | COLLATE [=] name
        let words: Vec<String> = clause.iter().map(|t| keyword(t).unwrap_or_default()).collect();
        let at = words
            .iter()
            .position(|w| w == "SET" || w == "CHARSET")
            .map(|i| after_eq(i + 1));
        return Some(AlterClause::DefaultCharset(at.and_then(value).unwrap_or_default()));
    }
    Some(match first.as_str() {
        "FORCE" | "ENCRYPTION" | "COMPRESSION" | "PAGE_COMPRESSED" | "TRANSACTIONAL" => AlterClause::Force,
        "ENGINE" => AlterClause::Engine(value(after_eq(1)).unwrap_or_default()),
        "ROW_FORMAT" | "KEY_BLOCK_SIZE" => AlterClause::RowFormat,
        "CONVERT" => {
            // CONVERT TO {CHARACTER SET | CHARSET} name ...
            let at = if is_word(clause.get(2), &["CHARACTER"]) { 4 } else { 3 };
            AlterClause::ConvertCharset(value(after_eq(at)).unwrap_or_default())
        }
        "RENAME" => AlterClause::RenameIndex,
        "ORDER" => AlterClause::OrderBy,
        "DISABLE" | "ENABLE" => AlterClause::Keys,
        _ if TABLE_OPTIONS.contains(&first.as_str()) => AlterClause::Metadata,
        _ => return None,
    })
}

/// One change of an `ALTER TABLE` that sqlparser cannot read: what it is,
/// when it is one of the forms known here.
fn alter_clause(clause: &[Token]) -> Option<String> {
    let first = keyword(clause.first()?)?;
    let done = |rest: &[Token]| rest.is_empty();
    if let Some(rest) = charset_option(clause) {
        let rest = if rest.is_empty() { rest } else { charset_option(rest)? };
        return done(rest).then(|| "a default character set or collation".to_string());
    }
    if TABLE_OPTIONS.contains(&first.as_str()) {
        let at = if clause.get(1) == Some(&Token::Eq) { 2 } else { 1 };
        return (clause.len() == at + 1).then(|| format!("the table option {first}"));
    }
    match first.as_str() {
        "FORCE" if clause.len() == 1 => Some("FORCE".to_string()),
        "CONVERT" if is_word(clause.get(1), &["TO"]) => {
            let mut rest = charset_option(&clause[2..])?;
            if !rest.is_empty() {
                rest = charset_option(rest)?;
            }
            done(rest).then(|| "CONVERT TO CHARACTER SET".to_string())
        }
        "RENAME" if is_word(clause.get(1), &["INDEX", "KEY"]) => {
            let (_, at) = object_name(clause, 2)?;
            let ok = is_word(clause.get(at), &["TO"]) && object_name(clause, at + 1)?.1 == clause.len();
            ok.then(|| "RENAME INDEX".to_string())
        }
        "DROP" if is_word(clause.get(1), &["KEY", "INDEX", "CHECK", "CONSTRAINT"]) => {
            let mut at = 2;
            if is_word(clause.get(2), &["IF"]) && is_word(clause.get(3), &["EXISTS"]) {
                at = 4;
            }
            (object_name(clause, at)?.1 == clause.len())
                .then(|| format!("DROP {}", keyword(&clause[1]).unwrap_or_default()))
        }
        "ADD" => {
            // ADD [COLUMN] IF NOT EXISTS ...: the same change without the
            // IF NOT EXISTS must read.
            let at = if is_word(clause.get(1), &["COLUMN", "INDEX", "KEY", "CONSTRAINT"]) {
                2
            } else {
                1
            };
            let if_not_exists = is_word(clause.get(at), &["IF"])
                && is_word(clause.get(at + 1), &["NOT"])
                && is_word(clause.get(at + 2), &["EXISTS"]);
            if !if_not_exists {
                return None;
            }
            let text: Vec<String> = clause[..at]
                .iter()
                .chain(&clause[at + 3..])
                .map(ToString::to_string)
                .collect();
            parse_one(&format!("ALTER TABLE t {}", text.join(" "))).ok()?;
            Some("ADD ... IF NOT EXISTS".to_string())
        }
        "ALGORITHM" | "LOCK" => done(algorithm_or_lock(clause)?).then(|| first.clone()),
        "DISABLE" | "ENABLE" if is_word(clause.get(1), &["KEYS"]) && clause.len() == 2 => Some(format!("{first} KEYS")),
        "ORDER" if is_word(clause.get(1), &["BY"]) => {
            // ORDER BY col [ASC | DESC] [, ...] is the statement's last change:
            // its commas split it into clauses of bare names.
            let columns_ok = clause[2..]
                .iter()
                .all(|t| matches!(t, Token::Word(_) | Token::Period | Token::Comma));
            (clause.len() > 2 && columns_ok).then(|| "ORDER BY".to_string())
        }
        _ => None,
    }
}

/// `sql` with `count` words from the `first`-th (0-based, counting code
/// words) replaced by spaces: None when it has fewer words.
fn blank_words(sql: &str, first: usize, count: usize) -> Option<String> {
    let code = located_code(sql)?;
    let (start, end) = (code.get(first)?.1.start, code.get(first + count - 1)?.1.end);
    Some(blanked(sql, start..end))
}

/// A statement's text, between delimiters.
struct Piece {
    /// From its first code byte to its last (trailing `;`s dropped).
    span: Span,
    /// Where a string, quoted name or comment that the file ends inside
    /// starts, and what it is.
    unterminated: Option<(usize, &'static str)>,
}

/// The file split into pieces.
struct Scan {
    /// The file's text with versioned comments' markers blanked.
    code: String,
    pieces: Vec<Piece>,
    comments: Vec<Comment>,
    /// Malformed `DELIMITER` lines.
    problems: Vec<ParseProblem>,
}

/// Bytes that continue a word: MySQL's unquoted names take `$` and any
/// non-ASCII character.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Where a stored program's body is, as the scanner reads words: the
/// nesting of its blocks, so that a `;` inside does not end it.
#[derive(Default)]
struct Blocks {
    /// Code words of the statement so far (up to a few).
    head: Vec<String>,
    /// The statement creates a stored program (or is MariaDB's `BEGIN NOT
    /// ATOMIC`): block words count.
    program: bool,
    depth: usize,
    /// The last code token: a word (uppercase) or a punctuation byte.
    previous: String,
    after_end: bool,
}

impl Blocks {
    fn word(&mut self, word: &str, next: u8) {
        let upper = word.to_ascii_uppercase();
        if self.head.len() < 16 {
            self.head.push(upper.clone());
            let head = &self.head;
            if head[0] == "CREATE" && matches!(upper.as_str(), "PROCEDURE" | "FUNCTION" | "TRIGGER" | "EVENT") {
                let created = &head[1..head.len() - 1];
                if !created.iter().any(|w| matches!(w.as_str(), "TABLE" | "VIEW" | "INDEX")) {
                    self.program = true;
                }
            }
            if head.len() == 3 && head[0] == "BEGIN" && head[1] == "NOT" && head[2] == "ATOMIC" {
                self.program = true;
                self.depth = 1;
            }
        }
        if self.program {
            let statement_start = matches!(
                self.previous.as_str(),
                ";" | ":" | "BEGIN" | "THEN" | "ELSE" | "DO" | "LOOP" | "REPEAT" | "ROW" | "ATOMIC"
            );
            if self.after_end && matches!(upper.as_str(), "IF" | "CASE" | "LOOP" | "WHILE" | "REPEAT" | "FOR") {
                // `END IF`: the END closed it.
            } else {
                match upper.as_str() {
                    "BEGIN" | "CASE" | "LOOP" | "WHILE" => self.depth += 1,
                    "IF" | "REPEAT" | "FOR" if statement_start && next != b'(' => self.depth += 1,
                    "END" => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
            }
            self.after_end = upper == "END";
        }
        self.previous = upper;
    }

    fn punctuation(&mut self, byte: u8) {
        self.after_end = false;
        self.previous = char::from(byte).to_string();
    }
}

/// Splits the file: comments, `DELIMITER` lines, pieces.
fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut code = bytes.to_vec();
    let mut pieces = Vec::new();
    let mut comments = Vec::new();
    let mut problems = Vec::new();
    let mut delimiter: Vec<u8> = b";".to_vec();
    // The current piece: its first code byte, the end of its last code
    // byte other than `;`.
    let mut first: Option<usize> = None;
    let mut last_end = 0;
    let mut blocks = Blocks::default();
    // Inside a versioned comment: its `*/` is blanked.
    let mut versioned: Option<usize> = None;
    let mut unterminated: Option<(usize, &'static str)> = None;
    let mut line_start = true;
    let mut i = 0;
    let len = bytes.len();
    // The piece holds code, not only versioned comments' markers.
    let mut seen = false;
    let end_piece = |pieces: &mut Vec<Piece>,
                     first: &mut Option<usize>,
                     seen: &mut bool,
                     last_end: usize,
                     unterminated: Option<(usize, &'static str)>| {
        let start = first.take();
        if let Some(start) = start.filter(|_| std::mem::take(seen)) {
            pieces.push(Piece {
                span: Span::new(start, last_end.max(start)),
                unterminated,
            });
        }
    };
    while i < len {
        let b = bytes[i];
        // The client's DELIMITER command: a line of its own, at the start
        // of a statement.
        if line_start && first.is_none() {
            let mut j = i;
            while j < len && (bytes[j] == b' ' || bytes[j] == b'\t') {
                j += 1;
            }
            let word_end = j + 9;
            if word_end <= len
                && bytes[j..word_end].eq_ignore_ascii_case(b"delimiter")
                && (word_end == len || bytes[word_end].is_ascii_whitespace())
            {
                let mut k = word_end;
                while k < len && (bytes[k] == b' ' || bytes[k] == b'\t') {
                    k += 1;
                }
                let value_start = k;
                while k < len && !bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                let mut line_end = k;
                while line_end < len && bytes[line_end] != b'\n' && bytes[line_end] != b'\r' {
                    line_end += 1;
                }
                if value_start == k {
                    problems.push(ParseProblem {
                        kind: ProblemKind::Syntax,
                        span: Span::new(j, word_end),
                        message: "DELIMITER must be followed by the new delimiter".to_string(),
                    });
                } else {
                    delimiter = bytes[value_start..k].to_vec();
                }
                blocks = Blocks::default();
                i = line_end;
                continue;
            }
        }
        line_start = false;
        if b == b'\n' || b == b'\r' {
            line_start = true;
            i += 1;
            continue;
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        // The delimiter, unless a `;` inside a stored program's block.
        if bytes[i..].starts_with(&delimiter) && !(delimiter == b";" && blocks.depth > 0) {
            if let Some(open) = versioned.take() {
                // The server reads the piece to its end inside the comment.
                unterminated.get_or_insert((open, "versioned comment /*!"));
            }
            end_piece(&mut pieces, &mut first, &mut seen, last_end, unterminated.take());
            blocks = Blocks::default();
            i += delimiter.len();
            continue;
        }
        // Comments.
        let dash_comment = b == b'-'
            && bytes.get(i + 1) == Some(&b'-')
            && bytes
                .get(i + 2)
                .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control());
        if b == b'#' || dash_comment {
            let mut end = i;
            while end < len && bytes[end] != b'\n' && bytes[end] != b'\r' {
                end += 1;
            }
            let open = if b == b'#' { 1 } else { 2 };
            comments.push(Comment {
                span: Span::new(i, end),
                body: Span::new(i + open, end),
            });
            i = end;
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            // Versioned: `/*!`, `/*!50100`, `/*M!100100`: the markers are
            // blanked, the text is code.
            let marker = match (bytes.get(i + 2), bytes.get(i + 3)) {
                (Some(b'!'), _) => Some(i + 3),
                (Some(b'M'), Some(b'!')) => Some(i + 4),
                _ => None,
            };
            if let (Some(mut after), None) = (marker, versioned) {
                while after < len && bytes[after].is_ascii_digit() && after - i < 10 {
                    after += 1;
                }
                code[i..after].fill(b' ');
                // Part of the statement's span, not its code.
                first.get_or_insert(i);
                versioned = Some(i);
                i = after;
                continue;
            }
            let close = text.get(i + 2..).and_then(|rest| rest.find("*/")).map(|at| i + 2 + at);
            let (end, body_end) = match close {
                Some(at) => (at + 2, at),
                None => {
                    // An unterminated comment: the server reads to the end.
                    first.get_or_insert(i);
                    seen = true;
                    last_end = len;
                    unterminated.get_or_insert((i, "comment /*"));
                    (len, len)
                }
            };
            comments.push(Comment {
                span: Span::new(i, end),
                body: Span::new((i + 2).min(body_end), body_end),
            });
            i = end;
            continue;
        }
        if b == b'*' && bytes.get(i + 1) == Some(&b'/') && versioned.is_some() {
            versioned = None;
            code[i..i + 2].fill(b' ');
            if first.is_some() {
                last_end = i + 2;
            }
            i += 2;
            continue;
        }
        // Code from here.
        first.get_or_insert(i);
        seen = true;
        match b {
            b'\'' | b'"' | b'`' => {
                let mut j = i + 1;
                let mut closed = false;
                while j < len {
                    let c = bytes[j];
                    if c == b'\\' && b != b'`' {
                        j += 2;
                        continue;
                    }
                    if c == b {
                        if bytes.get(j + 1) == Some(&b) {
                            j += 2;
                            continue;
                        }
                        closed = true;
                        j += 1;
                        break;
                    }
                    j += 1;
                }
                let j = j.min(len);
                if !closed {
                    let what = match b {
                        b'`' => "quoted name `",
                        b'"' => "string \"",
                        _ => "string '",
                    };
                    unterminated.get_or_insert((i, what));
                }
                last_end = j;
                blocks.punctuation(b'\'');
                i = j;
            }
            _ if is_word_byte(b) => {
                // The client finds its delimiter inside a word too (`END$$`).
                let mut j = i;
                while j < len && is_word_byte(bytes[j]) && (j == i || !bytes[j..].starts_with(&delimiter)) {
                    j += 1;
                }
                let mut next = j;
                while next < len && bytes[next].is_ascii_whitespace() {
                    next += 1;
                }
                blocks.word(&text[i..j], bytes.get(next).copied().unwrap_or(b' '));
                last_end = j;
                i = j;
            }
            _ => {
                if b != b';' {
                    last_end = i + 1;
                }
                blocks.punctuation(b);
                // A whole character: never split one.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    if let Some(open) = versioned.take() {
        unterminated.get_or_insert((open, "versioned comment /*!"));
    }
    end_piece(&mut pieces, &mut first, &mut seen, last_end, unterminated.take());
    // Only ASCII bytes were blanked, with ASCII spaces.
    let code = String::from_utf8(code).unwrap_or_else(|_| text.to_string());
    Scan {
        code,
        pieces,
        comments,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> (SourceFile, MysqlFile) {
        let source = SourceFile::new("m.sql", sql);
        let parsed = parse_mysql(&source);
        (source, parsed)
    }

    fn texts<'a>(source: &'a SourceFile, parsed: &MysqlFile) -> Vec<&'a str> {
        parsed.statements.iter().map(|s| source.slice(s.span)).collect()
    }

    #[test]
    fn statements_are_split_at_top_level_semicolons_with_exact_spans() {
        let sql = "-- c;\nCREATE TABLE a (x text DEFAULT ';', `y;` int) ENGINE=InnoDB;\n\n  DROP TABLE b ; # z;\nSELECT 'it\\';s', \"q;\" /* ; */;;\nSELECT 1";
        let (source, parsed) = parse(sql);
        assert_eq!(
            texts(&source, &parsed),
            [
                "CREATE TABLE a (x text DEFAULT ';', `y;` int) ENGINE=InnoDB",
                "DROP TABLE b",
                "SELECT 'it\\';s', \"q;\"",
                "SELECT 1"
            ]
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(parsed.has_code);
    }

    #[test]
    fn a_double_dash_is_a_comment_only_before_whitespace() {
        let (source, parsed) = parse("SELECT 1--1;\nSELECT 2 --\n;");
        assert_eq!(texts(&source, &parsed), ["SELECT 1--1", "SELECT 2"]);
        assert_eq!(parsed.comments.len(), 1);
    }

    #[test]
    fn delimiter_lines_set_the_terminator_and_keep_bodies_whole() {
        let sql = "DROP PROCEDURE IF EXISTS p;\ndelimiter $$\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND$$\n  DELIMITER //\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END //\nDELIMITER ;\nCALL p();";
        let (source, parsed) = parse(sql);
        let texts = texts(&source, &parsed);
        assert_eq!(texts.len(), 4, "{texts:?} {:?}", parsed.problems);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(texts[1].starts_with("CREATE PROCEDURE p()") && texts[1].ends_with("END"));
        assert!(texts[2].starts_with("CREATE TRIGGER") && texts[2].ends_with("END"));
        assert_eq!(texts[3], "CALL p()");
        let MysqlKind::Routine { object, name, .. } = &parsed.statements[1].kind else {
            panic!("{:?}", parsed.statements[1].kind)
        };
        assert_eq!((*object, name.as_str()), ("procedure", "p"));
    }

    #[test]
    fn a_stored_program_body_under_semicolons_is_one_statement() {
        let sql = "CREATE DEFINER=`root`@`%` PROCEDURE db.p(IN t VARCHAR(64))\nBEGIN\n  IF EXISTS(SELECT 1) THEN\n    SET @q = CONCAT('x', t);\n    PREPARE s FROM @q;\n  ELSEIF IF(1, 2, 3) THEN SELECT CASE WHEN 1 THEN 2 END;\n  END IF;\n  w: WHILE 1 DO SELECT REPEAT('a', 2); END WHILE w;\nEND;\nCREATE TRIGGER tr AFTER UPDATE ON `t` FOR EACH ROW IF NEW.a THEN DELETE FROM u; END IF;\nSELECT 3;";
        let (source, parsed) = parse(sql);
        let texts = texts(&source, &parsed);
        assert_eq!(texts.len(), 3, "{texts:?} {:?}", parsed.problems);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(texts[0].ends_with("END WHILE w;\nEND"), "{}", texts[0]);
        let kinds: Vec<(&str, &str, Option<&str>)> = parsed.statements[..2]
            .iter()
            .map(|s| match &s.kind {
                MysqlKind::Routine { object, name, table } => (*object, name.as_str(), table.as_deref()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(kinds, [("procedure", "db.p", None), ("trigger", "tr", Some("t"))]);
    }

    #[test]
    fn versioned_comments_are_code_with_their_markers_blanked() {
        let sql = "/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE t (a int) /*!50100 ENGINE=InnoDB */ /*M!100100 COMMENT 'x' */;\n/*! SELECT 1 */;";
        let (source, parsed) = parse(sql);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(parsed.comments.is_empty());
        assert_eq!(
            texts(&source, &parsed),
            [
                "/*!40101 SET NAMES utf8mb4 */",
                "CREATE TABLE t (a int) /*!50100 ENGINE=InnoDB */ /*M!100100 COMMENT 'x' */",
                "/*! SELECT 1 */"
            ]
        );
        let MysqlKind::Ast(ast) = &parsed.statements[1].kind else {
            panic!()
        };
        assert!(ast.to_string().contains("ENGINE"), "{ast}");
    }

    #[test]
    fn comments_are_found_with_their_bodies() {
        let (source, parsed) = parse("-- miglint: ignore x\r\nSELECT 1; /* b */\n# h\n");
        let bodies: Vec<&str> = parsed.comments.iter().map(|c| source.slice(c.body)).collect();
        assert_eq!(bodies, [" miglint: ignore x", " b ", " h"]);
        assert_eq!(source.slice(parsed.comments[0].span), "-- miglint: ignore x");
    }

    #[test]
    fn empty_and_comment_only_files_have_no_code() {
        for sql in [
            "",
            "  \n",
            "-- nothing\n/* here */\n# x",
            "DELIMITER $$\n$$\nDELIMITER ;\n;;",
        ] {
            let (_, parsed) = parse(sql);
            assert!(!parsed.has_code, "{sql:?}");
            assert!(parsed.statements.is_empty() && parsed.problems.is_empty(), "{sql:?}");
        }
    }

    #[test]
    fn a_bad_statement_is_a_located_problem_and_the_rest_still_parse() {
        let sql = "CREATE TABLE a (x int);\nALTER TABLE a ADD COLUMN y int NOT NULL DEFAULT;\nDROP TABLE a;";
        let (source, parsed) = parse(sql);
        assert_eq!(texts(&source, &parsed), ["CREATE TABLE a (x int)", "DROP TABLE a"]);
        let [problem] = parsed.problems.as_slice() else {
            panic!("{:?}", parsed.problems)
        };
        assert_eq!(problem.kind, ProblemKind::Syntax);
        assert_eq!(
            source.slice(problem.span),
            "ALTER TABLE a ADD COLUMN y int NOT NULL DEFAULT"
        );
        assert!(
            problem.message.starts_with("MySQL cannot parse this statement"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn unterminated_strings_and_comments_are_located_problems() {
        for (sql, at) in [
            ("SELECT 1;\nSELECT 'x;\nSELECT 2;", "'x;"),
            ("SELECT 1;\nSELECT `x;", "`x;"),
            ("SELECT 1;\nSELECT 2 /* x;", "/* x;"),
            ("SELECT 1;\n/*!50100 SELECT 2;", "SELECT 2"),
        ] {
            let (source, parsed) = parse(sql);
            assert_eq!(texts(&source, &parsed), ["SELECT 1"], "{sql}");
            let [problem] = parsed.problems.as_slice() else {
                panic!("{sql}: {:?}", parsed.problems)
            };
            assert!(problem.message.contains("unterminated"), "{}", problem.message);
            assert!(
                source.slice(problem.span).contains(at),
                "{sql}: {:?}",
                source.slice(problem.span)
            );
        }
    }

    #[test]
    fn non_ascii_text_keeps_exact_spans() {
        let sql = "INSERT INTO t (a) VALUES ('héllo ☃;');\nCREATE TABLE `tâble` (é int) COMMENT 'ü';\nSELECT ☃ FROM;";
        let (source, parsed) = parse(sql);
        assert_eq!(
            texts(&source, &parsed),
            [
                "INSERT INTO t (a) VALUES ('héllo ☃;')",
                "CREATE TABLE `tâble` (é int) COMMENT 'ü'"
            ]
        );
        let [problem] = parsed.problems.as_slice() else {
            panic!("{:?}", parsed.problems)
        };
        assert_eq!(source.slice(problem.span), "SELECT ☃ FROM");
        assert!(
            problem.message.ends_with("(near `;`)") || problem.message.contains("FROM"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn forms_sqlparser_cannot_read_but_mysql_accepts_are_not_syntax_errors() {
        // ALTER TABLE changes sqlparser has no form for are read by hand.
        let clauses_of = |sql: &str| {
            let (_, parsed) = parse(sql);
            assert!(parsed.problems.is_empty(), "{sql}: {:?}", parsed.problems);
            match &parsed.statements[0].kind {
                MysqlKind::Alter { ast, clauses } => (ast.to_string(), clauses.clone()),
                MysqlKind::Ast(ast) => (ast.to_string(), Vec::new()),
                other => panic!("{sql}: {other:?}"),
            }
        };
        assert_eq!(
            clauses_of("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").1,
            [AlterClause::ConvertCharset("utf8mb4".to_string())]
        );
        assert_eq!(
            clauses_of("ALTER TABLE t ENGINE=InnoDB").1,
            [AlterClause::Engine("innodb".to_string())]
        );
        assert_eq!(
            clauses_of("ALTER TABLE t DEFAULT CHARSET=utf8mb4, ROW_FORMAT=DYNAMIC").1,
            [
                AlterClause::DefaultCharset("utf8mb4".to_string()),
                AlterClause::RowFormat
            ]
        );
        let (ast, clauses) = clauses_of("ALTER TABLE t ADD COLUMN a int, RENAME INDEX a TO b, ALGORITHM=INPLACE");
        assert_eq!(
            (ast.as_str(), clauses.as_slice()),
            (
                "ALTER TABLE t ADD COLUMN a INT, ALGORITHM = INPLACE",
                &[AlterClause::RenameIndex][..]
            )
        );
        assert_eq!(clauses_of("ALTER TABLE t DROP KEY i").0, "ALTER TABLE t DROP INDEX i");
        assert_eq!(
            clauses_of("ALTER TABLE t RENAME u, ENGINE=InnoDB").1,
            [AlterClause::Engine("innodb".to_string())]
        );
        assert_eq!(
            clauses_of("ALTER TABLE t ADD COLUMN IF NOT EXISTS a int"),
            ("ALTER TABLE t ADD COLUMN a INT".to_string(), Vec::new())
        );
        assert_eq!(clauses_of("ALTER TABLE t FORCE").1, [AlterClause::Force]);
        assert_eq!(
            clauses_of("DROP INDEX i ON t ALGORITHM=INPLACE LOCK = NONE"),
            (
                "DROP INDEX i ON t".to_string(),
                vec![
                    AlterClause::Algorithm("INPLACE".to_string()),
                    AlterClause::Lock("NONE".to_string())
                ]
            )
        );
        for sql in [
            "PREPARE stmt FROM @sql",
            "DROP EVENT IF EXISTS e",
            "ALTER DATABASE d CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
            "CREATE FULLTEXT INDEX f ON t (a)",
        ] {
            let (_, parsed) = parse(sql);
            let [problem] = parsed.problems.as_slice() else {
                panic!("{sql}: {:?}", parsed.problems)
            };
            assert_eq!(problem.kind, ProblemKind::Unsupported, "{sql}: {}", problem.message);
        }
        // What is not one of those forms stays a syntax error.
        for sql in [
            "ALTER TABLE t ENGINE",
            "ALTER TABLE t CONVERT TO utf8mb4",
            "PREPARE s FROM",
            "DROP EVENT",
        ] {
            let (_, parsed) = parse(sql);
            assert_eq!(parsed.problems.len(), 1, "{sql}");
            assert_eq!(parsed.problems[0].kind, ProblemKind::Syntax, "{sql}");
        }
    }

    #[test]
    fn every_prefix_of_a_file_parses_without_a_panic_and_in_bounds() {
        let sql = "-- c\n/*!40101 SET NAMES utf8mb4 */;\nDELIMITER $$\nCREATE DEFINER=`r`@`%` PROCEDURE p() BEGIN IF 1 THEN SELECT 'é;'; END IF; END$$\nDELIMITER ;\n\
                   CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = \"x\\\"\"; END;\n# h\n\
                   ALTER TABLE t RENAME u, ENGINE=InnoDB, CONVERT TO CHARSET utf8mb4 /*M!100100 COMMENT 'x' */; /* ☃ */ SELECT 1--1";
        for (at, _) in sql.char_indices().chain([(sql.len(), ' ')]) {
            let (source, parsed) = parse(&sql[..at]);
            let spans = parsed
                .statements
                .iter()
                .map(|s| s.span)
                .chain(parsed.problems.iter().map(|p| p.span))
                .chain(parsed.comments.iter().flat_map(|c| [c.span, c.body]));
            for span in spans {
                assert!(span.start <= span.end && span.end <= at, "{at}: {span:?}");
                assert!(source.text.is_char_boundary(span.start) && source.text.is_char_boundary(span.end));
            }
        }
    }

    #[test]
    fn mariadbs_lock_wait_for_one_statement_is_read() {
        let cases: &[(&str, Option<f64>)] = &[
            ("ALTER TABLE t WAIT 5 ADD COLUMN e int", Some(5.0)),
            ("ALTER TABLE t NOWAIT ADD COLUMN e int", Some(0.0)),
            ("CREATE INDEX i ON t (b) WAIT 2.5", Some(2.5)),
            ("SET STATEMENT lock_wait_timeout = 7 FOR DROP TABLE t", Some(7.0)),
            ("SET STATEMENT max_statement_time = 7 FOR DROP TABLE t", None),
            (
                "SET STATEMENT lock_wait_timeout = 7 FOR ALTER TABLE t WAIT 1 DROP COLUMN d",
                Some(1.0),
            ),
            ("ALTER TABLE t ADD COLUMN wait int", None),
            ("ALTER ONLINE TABLE t WAIT 10 ADD INDEX i (b)", Some(10.0)),
        ];
        for (sql, wait) in cases {
            let (source, parsed) = parse(&format!("{sql};\nSELECT 1;"));
            assert!(parsed.problems.is_empty(), "{sql}: {:?}", parsed.problems);
            assert_eq!(parsed.statements[0].lock_wait, *wait, "{sql}");
            // The statement keeps its span: the whole text, SET STATEMENT included.
            assert_eq!(texts(&source, &parsed), [*sql, "SELECT 1"]);
        }
        let (_, parsed) = parse("ALTER TABLE t WAIT ADD COLUMN e int;");
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].kind, ProblemKind::Syntax);
    }

    #[test]
    fn alter_online_table_is_alter_table_with_lock_none() {
        let (_, parsed) =
            parse("ALTER ONLINE TABLE t ADD INDEX i (b);\nALTER ONLINE TABLE t ADD COLUMN c int, LOCK=SHARED;");
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let lock = |at: usize| match &parsed.statements[at].kind {
            MysqlKind::Ast(ast) => ast.to_string().contains("LOCK = NONE") || ast.to_string().contains("LOCK=NONE"),
            other => panic!("{other:?}"),
        };
        assert!(lock(0));
        assert!(!lock(1));
    }

    #[test]
    fn a_rename_without_to_is_read_with_it() {
        for sql in [
            "ALTER TABLE t RENAME u",
            "alter table `t` rename `u`",
            "ALTER TABLE t ADD COLUMN a int, RENAME u",
        ] {
            let (_, parsed) = parse(sql);
            assert!(parsed.problems.is_empty(), "{sql}: {:?}", parsed.problems);
            let MysqlKind::Ast(ast) = &parsed.statements[0].kind else {
                panic!("{sql}")
            };
            assert!(ast.to_string().contains("RENAME TO"), "{ast}");
        }
    }

    #[test]
    fn a_problem_is_located_where_sqlparser_stops() {
        let (source, parsed) = parse("SELECT 1;\n  ALTER TABLE t\n    ADD COLUMN x int NOT NULL BOGUS;");
        let [problem] = parsed.problems.as_slice() else {
            panic!("{:?}", parsed.problems)
        };
        assert!(problem.message.contains("(near `BOGUS`)"), "{}", problem.message);
        assert_eq!(source.position(problem.span.start).line, 2);
    }
}
