//! Settings (GUCs) as PostgreSQL reads them: time values with units, as
//! written in `SET lock_timeout = ...` or in miglint's own configuration.

use pg_query::protobuf::a_const::Val;
use pg_query::NodeEnum;

pub(crate) use crate::settings::parse_duration_ms;

/// The value, in milliseconds, of `SET name = value` for a time parameter:
/// `5000`, `'5s'`, `1.5`. None when it is not one literal PostgreSQL would
/// accept.
pub(crate) fn duration_setting_ms(args: &[pg_query::Node]) -> Option<u64> {
    let [arg] = args else { return None };
    let Some(NodeEnum::AConst(constant)) = arg.node.as_ref() else {
        return None;
    };
    match constant.val.as_ref()? {
        Val::Ival(i) => u64::try_from(i.ival).ok(),
        Val::Fval(f) => parse_duration_ms(&f.fval),
        Val::Sval(s) => parse_duration_ms(&s.sval),
        _ => None,
    }
}

/// A duration in the largest unit that writes it whole: `500ms`, `5s`,
/// `2min`, `1h`, `1d`.
pub(crate) fn format_duration_ms(ms: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1_000, "s")];
    for (size, unit) in UNITS {
        if ms >= size && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_postgresql_time_units() {
        assert_eq!(parse_duration_ms("500"), Some(500));
        assert_eq!(parse_duration_ms(" 5s "), Some(5_000));
        assert_eq!(parse_duration_ms("5 s"), Some(5_000));
        assert_eq!(parse_duration_ms("1.5s"), Some(1_500));
        assert_eq!(parse_duration_ms("2min"), Some(120_000));
        assert_eq!(parse_duration_ms("1h"), Some(3_600_000));
        assert_eq!(parse_duration_ms("1d"), Some(86_400_000));
        assert_eq!(parse_duration_ms("1500us"), Some(2));
        assert_eq!(parse_duration_ms("0.4"), Some(0), "rounds to 0: disabled");
        assert_eq!(parse_duration_ms("0"), Some(0));
        for bad in ["", "5 parsecs", "5S", "-1", "s", ".", "5m"] {
            assert_eq!(parse_duration_ms(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_set_values_and_writes_durations() {
        let value = |sql: &str| {
            let parsed = pg_query::parse(sql, 0).unwrap();
            match parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap() {
                NodeEnum::VariableSetStmt(set) => duration_setting_ms(&set.args),
                _ => panic!("not SET"),
            }
        };
        assert_eq!(value("SET lock_timeout = 3000"), Some(3_000));
        assert_eq!(value("SET lock_timeout TO '1min'"), Some(60_000));
        assert_eq!(value("SET LOCAL lock_timeout = 2.5"), Some(2));
        assert_eq!(value("SET lock_timeout = '0'"), Some(0));
        assert_eq!(value("SET lock_timeout TO DEFAULT"), None);
        assert_eq!(format_duration_ms(10_000), "10s");
        assert_eq!(format_duration_ms(90_000), "90s");
        assert_eq!(format_duration_ms(120_000), "2min");
        assert_eq!(format_duration_ms(1_500), "1500ms");
        assert_eq!(format_duration_ms(0), "0ms");
        assert_eq!(format_duration_ms(86_400_000), "1d");
    }
}
