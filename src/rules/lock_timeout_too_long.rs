//! `lock-timeout-too-long`: a `lock_timeout` above the configured limit, or
//! 0 (no limit), lets a blocked migration keep queries queued for that long.

use pg_query::protobuf::VariableSetKind;
use pg_query::NodeEnum;

use crate::analysis::guc::{duration_setting_ms, format_duration_ms};
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;

crate::rule::declare_rule!(LockTimeoutTooLong, id: "lock-timeout-too-long", category: Timeout, severity: Warning, since: "0.1.0");

impl Rule for LockTimeoutTooLong {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::VariableSetStmt(set) = ctx.node() else {
            return;
        };
        if set.name != "lock_timeout" || set.kind != VariableSetKind::VarSetValue as i32 {
            return;
        }
        let Some(ms) = duration_setting_ms(&set.args) else {
            return;
        };
        let max = ctx.file.options.max_lock_timeout_ms;
        let limit = format_duration_ms(max);
        let message = if ms == 0 {
            "lock_timeout = 0 turns the lock timeout off: a statement that has to wait for its lock waits forever, and the queries queued behind it wait too".to_string()
        } else if ms > max {
            format!(
                "lock_timeout of {} is longer than the {limit} limit: a statement stuck behind another transaction keeps the queries queued behind it waiting that long",
                format_duration_ms(ms)
            )
        } else {
            return;
        };
        let suggested = format_duration_ms(max.clamp(1, 5_000));
        let local = if set.is_local { "LOCAL " } else { "" };
        let span = set
            .args
            .first()
            .and_then(|arg| match arg.node.as_ref() {
                Some(NodeEnum::AConst(c)) => Some(ctx.word_at(c.location)),
                _ => None,
            })
            .filter(|span| *span != ctx.span())
            .unwrap_or(ctx.span());
        out.push(
            Finding::new(span, message).help(format!(
                "give up early and retry instead of queueing everyone:\n  SET {local}lock_timeout = '{suggested}';\nif the migration then times out, run it again at a quieter moment, or let the deploy retry it; the limit is {limit} (`max_lock_timeout` in miglint.toml)"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    const ID: &str = "lock-timeout-too-long";

    #[test]
    fn flags_long_and_disabled_timeouts() {
        assert_eq!(
            findings(ID, "SET lock_timeout = '1min';"),
            ["lock_timeout of 1min is longer than the 10s limit: a statement stuck behind another transaction keeps the queries queued behind it waiting that long"]
        );
        assert_eq!(findings(ID, "SET LOCAL lock_timeout = 0;").len(), 1);
        assert_eq!(findings(ID, "SET lock_timeout TO '0.4';").len(), 1, "rounds to 0");
        assert_eq!(findings(ID, "SET lock_timeout = 60000;").len(), 1);
    }

    #[test]
    fn short_timeouts_resets_and_the_configured_limit() {
        assert!(findings(
            ID,
            "SET lock_timeout = '10s';\nRESET lock_timeout;\nSET lock_timeout TO DEFAULT;"
        )
        .is_empty());
        let mut settings = Settings::default();
        settings.max_lock_timeout_ms = 2_000;
        assert_eq!(findings_with(ID, "SET lock_timeout = '5s';", &settings).len(), 1);
        assert!(findings_with(ID, "SET lock_timeout = 2000;", &settings).is_empty());
    }
}
