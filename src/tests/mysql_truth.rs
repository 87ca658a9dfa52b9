//! MariaDB's own parser as the truth for `parse_mysql`, beyond the corpus.

use crate::tests::common::mariadb;

#[test]
fn the_throwaway_server_runs_sql_and_reports_errors_with_their_code() {
    let Some(server) = mariadb() else { return };
    assert!(server.version().contains("MariaDB"), "{}", server.version());
    let db = server.database();
    assert_ne!(db, server.database());
    let rows = server
        .run(
            &db,
            "CREATE TABLE t (a int, b text);\nINSERT INTO t VALUES (1, 'x'), (2, 'é');\nSELECT a, b FROM t ORDER BY a;",
        )
        .unwrap();
    assert_eq!(rows, "1\tx\n2\té\n");
    let error = server.run(&db, "SELECT 1;\nSELEC 2;\nSELECT 3;").unwrap_err();
    assert_eq!(error.code, 1064, "{error:?}");
    assert!(error.message.contains("near 'SELEC 2'"), "{error:?}");
    let error = server.run(&db, "SELECT * FROM nosuch").unwrap_err();
    assert_eq!(error.code, 1146, "{error:?}");
    // The client reads DELIMITER.
    let rows = server
        .run(
            &db,
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END$$\nDELIMITER ;\nCALL p();",
        )
        .unwrap();
    assert_eq!(rows, "1\n2\n");
}
