//! What the `ALTER TABLE` rules share: the statement when it alters a
//! relation that existed before the file, and its actions one by one, so a
//! rule starts from the actions it is about instead of matching the
//! statement and walking its commands itself.

use pg_query::protobuf::{AlterTableCmd, AlterTableStmt, AlterTableType, ColumnDef, Constraint, RangeVar};
use pg_query::NodeEnum;

use crate::analysis::facts::alter_table_action_lock;
use crate::analysis::{LockMode, RelationLock, RelationName, StatementContext};
use crate::input::source::Span;
use crate::parse::ast::{added_column, alter_table_actions, constraint};

/// An `ALTER TABLE` of a relation that existed before the file (a relation
/// the file created is empty, and locking it blocks nobody).
pub(crate) struct AlterTable<'a> {
    ctx: StatementContext<'a>,
    pub stmt: &'a AlterTableStmt,
    /// The relation as written: `name_span` spans it.
    pub range_var: &'a RangeVar,
    pub relation: RelationName,
    /// The lock the statement takes on the relation: the strongest of its
    /// actions' locks.
    pub lock: &'a RelationLock,
}

impl<'a> AlterTable<'a> {
    /// The statement when it alters a table that existed before the file.
    pub(crate) fn of_existing_table(ctx: StatementContext<'a>) -> Option<Self> {
        ctx.alter_existing_table().map(|alter| Self::new(ctx, alter))
    }

    /// The statement when it alters a table that the code already deployed
    /// uses: one that existed before the file, in an up migration. A down
    /// script restores the schema that older code was written for (whether
    /// it restores it right is for the down-migration rules).
    pub(crate) fn of_table_running_code_uses(ctx: StatementContext<'a>) -> Option<Self> {
        if ctx.file.script.is_down() {
            return None;
        }
        Self::of_existing_table(ctx)
    }

    /// The statement when it alters any relation that existed before the
    /// file: also `ALTER INDEX`, `ALTER MATERIALIZED VIEW` and the like,
    /// which are the same statement with another `objtype`.
    pub(crate) fn of_existing_relation(ctx: StatementContext<'a>) -> Option<Self> {
        ctx.alter_existing_relation().map(|alter| Self::new(ctx, alter))
    }

    fn new(ctx: StatementContext<'a>, alter: crate::analysis::ExistingRelationAlter<'a>) -> Self {
        Self {
            ctx,
            stmt: alter.stmt,
            range_var: alter.range_var,
            relation: alter.relation,
            lock: alter.lock,
        }
    }

    /// The relation's name as written, where a rule labels the lock.
    pub(crate) fn name_span(&self) -> Span {
        self.ctx.name_at(self.range_var.location)
    }

    /// Every action, in the order written.
    pub(crate) fn actions(&self) -> impl Iterator<Item = Action<'a>> + 'a {
        actions_of_statement(self.ctx, self.stmt)
    }

    /// The actions of one kind, e.g. every `DROP COLUMN`.
    pub(crate) fn actions_of(&self, kind: AlterTableType) -> impl Iterator<Item = Action<'a>> + 'a {
        self.actions().filter(move |action| action.is(kind))
    }

    /// The action at position `n` (the `action` of a fact about it).
    pub(crate) fn action(&self, n: usize) -> Option<Action<'a>> {
        self.actions().find(|action| action.n == n)
    }

    /// Each `ADD COLUMN` with the column it adds.
    pub(crate) fn added_columns(&self) -> impl Iterator<Item = (Action<'a>, &'a ColumnDef)> + 'a {
        self.actions()
            .filter_map(|action| Some((action, action.added_column()?)))
    }

    /// Each `ADD CONSTRAINT` with the constraint it adds.
    pub(crate) fn added_constraints(&self) -> impl Iterator<Item = (Action<'a>, &'a Constraint)> + 'a {
        self.actions()
            .filter_map(|action| Some((action, action.added_constraint()?)))
    }
}

/// The actions of the statement when it is an `ALTER TABLE` of any
/// relation, new or existing; none for other statements.
pub(crate) fn actions<'a>(ctx: StatementContext<'a>) -> impl Iterator<Item = Action<'a>> + 'a {
    let stmt = match ctx.node() {
        NodeEnum::AlterTableStmt(stmt) => Some(stmt),
        _ => None,
    };
    stmt.into_iter().flat_map(move |stmt| actions_of_statement(ctx, stmt))
}

fn actions_of_statement<'a>(
    ctx: StatementContext<'a>,
    stmt: &'a AlterTableStmt,
) -> impl Iterator<Item = Action<'a>> + 'a {
    alter_table_actions(&stmt.cmds).map(move |(n, cmd)| Action { ctx, n, cmd })
}

/// One action of an `ALTER TABLE` (`DROP COLUMN c`, `ADD CONSTRAINT ...`).
#[derive(Clone, Copy)]
pub(crate) struct Action<'a> {
    ctx: StatementContext<'a>,
    /// Its position among the statement's actions.
    pub n: usize,
    pub cmd: &'a AlterTableCmd,
}

impl<'a> Action<'a> {
    pub(crate) fn is(&self, kind: AlterTableType) -> bool {
        self.cmd.subtype == kind as i32
    }

    /// The action's text in the statement, where a rule reports it.
    pub(crate) fn span(&self) -> Span {
        self.ctx.alter_action_span(self.n)
    }

    /// The lock this action takes by itself: the statement's may be
    /// stronger, from its other actions.
    pub(crate) fn lock_mode(&self) -> LockMode {
        alter_table_action_lock(self.cmd)
    }

    /// The column an `ADD COLUMN` adds.
    pub(crate) fn added_column(&self) -> Option<&'a ColumnDef> {
        added_column(self.cmd)
    }

    /// The constraint an `ADD CONSTRAINT` adds.
    pub(crate) fn added_constraint(&self) -> Option<&'a Constraint> {
        constraint(self.cmd).filter(|_| self.is(AlterTableType::AtAddConstraint))
    }
}

#[cfg(test)]
mod tests {
    use pg_query::protobuf::AlterTableType;

    use super::{actions, AlterTable};
    use crate::analysis::tests::with_file;

    #[test]
    fn reads_the_actions_of_an_existing_table_only() {
        let sql = "CREATE TABLE n (a bigint);\nALTER TABLE n DROP COLUMN a;\n\
                   ALTER TABLE t ADD COLUMN b text, DROP COLUMN c, ADD CONSTRAINT k CHECK (b <> '');";
        with_file(sql, |file| {
            let new = file.statement(1);
            assert!(AlterTable::of_existing_table(new).is_none(), "n is new");
            assert_eq!(actions(new).count(), 1, "every ALTER TABLE has actions");

            let ctx = file.statement(2);
            let alter = AlterTable::of_existing_table(ctx).unwrap();
            assert_eq!(file.source.slice(alter.name_span()), "t");
            let spans: Vec<&str> = alter.actions().map(|a| file.source.slice(a.span())).collect();
            assert_eq!(
                spans,
                ["ADD COLUMN b text", "DROP COLUMN c", "ADD CONSTRAINT k CHECK (b <> '')"]
            );
            let dropped: Vec<usize> = alter.actions_of(AlterTableType::AtDropColumn).map(|a| a.n).collect();
            assert_eq!(dropped, [1]);
            let added: Vec<&str> = alter.added_columns().map(|(_, col)| col.colname.as_str()).collect();
            assert_eq!(added, ["b"]);
            let constraints: Vec<(usize, &str)> = alter
                .added_constraints()
                .map(|(a, con)| (a.n, con.conname.as_str()))
                .collect();
            assert_eq!(constraints, [(2, "k")]);
            assert_eq!(alter.action(1).map(|a| a.cmd.name.as_str()), Some("c"));
        });
    }
}
