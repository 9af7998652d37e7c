//! Reading one setting from the environment: the error that names the variable (and never
//! prints its value), flags and bounded numbers. Below every module that has settings, so
//! that `configuration` may gather them all without them depending on it.

#[derive(Debug, thiserror::Error)]
#[error("configuration: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

pub fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// `true`/`1` or `false`/`0`; unset is false.
pub fn flag(get: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<bool, ConfigError> {
    match get(name).as_deref().map(str::trim) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(problem(name, "must be true or false")),
    }
}

/// A whole number setting within `range`, or `default` when unset; the error names the
/// variable, what it is (`a whole number of seconds`) and the range.
pub fn env_number(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    what: &str,
) -> Result<u64, ConfigError> {
    match get(name) {
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(problem(
                name,
                format!("must be {what} from {} to {}", range.start(), range.end()),
            )),
        },
        None => Ok(default),
    }
}

/// A lookup over fixed pairs, for tests of settings.
#[cfg(test)]
pub fn pairs<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}
