//! Bodies read from whole files: where each statement is, what is left
//! unchecked, and what does not compile.

use super::*;
use crate::parse::parse_file;

fn read(text: &str) -> (SourceFile, crate::parse::ParsedFile) {
    let source = SourceFile::new("m.sql", text);
    let parsed = parse_file(&source);
    (source, parsed)
}

/// Each statement step of the first body: its text in the file.
fn statement_texts(text: &str) -> Vec<String> {
    let (source, parsed) = read(text);
    let (_, body) = parsed.bodies.first().expect("a body");
    body.steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::Statement(_)))
        .map(|s| source.slice(s.span).to_string())
        .collect()
}

#[test]
fn a_do_block_statements_are_found_where_they_are_written() {
    let text = "SELECT 1;\nDO $body$\nDECLARE n int;\nBEGIN\n  ALTER TABLE users RENAME COLUMN a TO b;\n  PERFORM f(1);\n  SELECT count(*) INTO n FROM users;\nEND\n$body$;\n";
    assert_eq!(
        statement_texts(text),
        [
            "ALTER TABLE users RENAME COLUMN a TO b",
            "PERFORM f(1)",
            "SELECT count(*) INTO n FROM users"
        ]
    );
    let (_, parsed) = read(text);
    let body = parsed.body(1).unwrap();
    assert_eq!(body.kind, BodyKind::DoBlock);
    assert_eq!(body.steps[0].line, 5);
}

#[test]
fn execute_of_constants_is_read_and_the_rest_is_unchecked() {
    let text = "DO $$\nBEGIN\n  EXECUTE 'ALTER TABLE t ALTER c SET DEFAULT ''u''';\n  EXECUTE format('DROP TABLE %I', 'Old');\n  EXECUTE 'DROP TABLE ' || tbl;\nEND $$;";
    let (source, parsed) = read(text);
    let body = parsed.body(0).unwrap();
    let StepKind::Statement(rename) = &body.steps[0].kind else {
        panic!()
    };
    assert_eq!(rename.text, "ALTER TABLE t ALTER c SET DEFAULT 'u'");
    assert!(rename.dynamic);
    let StepKind::Statement(drop) = &body.steps[1].kind else {
        panic!()
    };
    assert_eq!(drop.text, "DROP TABLE \"Old\"");
    let name = drop.map.file_span(Span::new(11, 16)).unwrap();
    assert_eq!(source.slice(name), "%I");
    let StepKind::Unchecked(why) = &body.steps[2].kind else {
        panic!()
    };
    assert!(why.contains("'DROP TABLE ' || tbl"), "{why}");
    assert_eq!(source.slice(body.steps[2].span), "'DROP TABLE ' || tbl");
}

#[test]
fn loops_handlers_and_transaction_control() {
    let text = "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n  LOOP\n    UPDATE t SET a = 1 WHERE a IS NULL;\n    EXIT WHEN NOT FOUND;\n    COMMIT;\n  END LOOP;\n  BEGIN\n    CREATE TYPE mood AS ENUM ('a');\n  EXCEPTION WHEN duplicate_object THEN\n    RAISE NOTICE 'exists';\n  END;\nEND $$;";
    let (source, parsed) = read(text);
    let body = parsed.body(0).unwrap();
    let BodyKind::Routine(signature) = &body.kind else {
        panic!()
    };
    assert!(signature.procedure);
    assert_eq!(body.loops.len(), 1);
    assert_eq!(body.loops[0].line, 3);
    assert_eq!(source.slice(body.loops[0].span), "LOOP");
    let update = &body.steps[0];
    assert_eq!(update.loops, [0]);
    let commit = &body.steps[1];
    assert_eq!(source.slice(commit.span), "COMMIT");
    let StepKind::Statement(commit) = &commit.kind else {
        panic!()
    };
    assert!(matches!(commit.statement.node, NodeEnum::TransactionStmt(_)));
    let create = &body.steps[2];
    assert!(create.in_protected_block && !create.in_handler && create.loops.is_empty());
}

#[test]
fn sql_bodies_and_begin_atomic() {
    assert_eq!(
        statement_texts("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'UPDATE t SET a = ''x''; DELETE FROM u';"),
        ["UPDATE t SET a = ''x''", "DELETE FROM u"]
    );
    assert_eq!(
        statement_texts("CREATE PROCEDURE p() BEGIN ATOMIC\n  INSERT INTO t VALUES (1);\n  UPDATE t SET a = 2;\nEND;"),
        ["INSERT INTO t VALUES (1)", "UPDATE t SET a = 2"]
    );
}

#[test]
fn signatures_a_call_can_reach() {
    let (_, parsed) =
        read("CREATE FUNCTION app.f(a int, b int DEFAULT 1, OUT c int) LANGUAGE plpgsql AS $$BEGIN c := a; END$$;");
    let BodyKind::Routine(signature) = &parsed.body(0).unwrap().kind else {
        panic!()
    };
    assert_eq!(signature.schema.as_deref(), Some("app"));
    assert!(signature.accepts(1) && signature.accepts(2) && !signature.accepts(3) && !signature.accepts(0));
}

#[test]
fn signatures_the_compiler_cannot_read_are_given_in_built_in_types() {
    let text = "CREATE FUNCTION g(p users.id%TYPE, VARIADIC xs int[]) RETURNS SETOF users LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN QUERY SELECT * FROM users WHERE id = p;\nEND $$;";
    assert_eq!(statement_texts(text), ["SELECT * FROM users WHERE id = p"]);
}

#[test]
fn a_body_that_does_not_compile_is_a_located_problem() {
    let (source, parsed) = read("DO $$\nBEGIN\n  ALTER TABEL users ADD a int;\nEND $$;\nDROP TABLE t;");
    let problem = &parsed.problems[0];
    assert_eq!(problem.kind, ProblemKind::Syntax);
    assert_eq!(source.slice(problem.span), "TABEL");
    assert_eq!(source.position(problem.span.start).line, 3);
    assert_eq!(parsed.statements.len(), 2, "the rest of the file is still read");
}

#[test]
fn other_languages_are_unchecked() {
    let (_, parsed) = read("DO LANGUAGE plpython3u $$ plpy.execute('DROP TABLE t') $$;");
    let body = parsed.body(0).unwrap();
    assert!(matches!(&body.steps[0].kind, StepKind::Unchecked(why) if why.contains("plpython3u")));
}

#[test]
fn a_function_created_inside_a_do_block_has_its_own_body() {
    let text = "DO $outer$\nBEGIN\n  CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $inner$\n  BEGIN\n    DROP TABLE t;\n  END $inner$;\nEND $outer$;";
    let (source, parsed) = read(text);
    let body = parsed.body(0).unwrap();
    let StepKind::Statement(create) = &body.steps[0].kind else {
        panic!()
    };
    let inner = create.body.as_ref().expect("the function's body");
    assert_eq!(source.slice(inner.steps[0].span), "DROP TABLE t");
    assert_eq!(inner.steps[0].line, 5);
}

#[test]
fn variables_of_types_only_a_database_knows_are_not_syntax_errors() {
    let (_, parsed) = read("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n  buckets s3region[];\nBEGIN\n  RETURN NEW;\nEND $$;");
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let body = parsed.body(0).unwrap();
    assert!(matches!(&body.steps[0].kind, StepKind::Unchecked(why) if why.contains("pseudo-type")));
}
