//! Imports point one way. Reads `src/` as text and fails when a module imports one that
//! imports it back: between the top-level modules no cycle of any length (the layers:
//! domain ← db ← mercadopago ← payments ← reconcile ← state ← routes ← startup, with the
//! small leaves `env`, `i18n`, `session`, `security`, `metrics` underneath), and between any
//! two files no pair that name each other (a child naming its own parent is the module tree,
//! not an import).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`routes::orders::challenge`) of every file under `src/`, but `lib` and `main`.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                continue;
            }
            found.insert(parts.join("::"), path);
        }
    }
    found
}

/// The code of a file without its comments and its unit tests.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the code names from `crate::` or `super::`, with `{a, b::c}` groups expanded
/// one level, made absolute.
fn named_paths(code: &str, me: &[&str], is_mod_rs: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (base, start) in ["crate::", "super::"]
        .iter()
        .flat_map(|b| code.match_indices(b).map(move |(i, _)| (*b, i)))
    {
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[start + base.len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(':');
        let prefix: Vec<String> = if base == "crate::" {
            vec![]
        } else {
            // `super` of `a/b.rs` and of `a/b/mod.rs` is `a`.
            let parent = &me[..me.len().saturating_sub(1)];
            let _ = is_mod_rs;
            parent.iter().map(|s| s.to_string()).collect()
        };
        let mut full = prefix.clone();
        full.extend(path.split("::").filter(|s| !s.is_empty()).map(String::from));
        let group = rest[end..]
            .strip_prefix('{')
            .map(|g| &g[..g.find('}').unwrap_or(0)]);
        match group {
            Some(items) if rest[..end].ends_with("::") => {
                for item in items.split(',') {
                    let item = item.split_whitespace().next().unwrap_or("");
                    let mut one = full.clone();
                    one.extend(
                        item.split("::")
                            .filter(|s| !s.is_empty() && *s != "self")
                            .map(String::from),
                    );
                    out.push(one.join("::"));
                }
            }
            _ => out.push(full.join("::")),
        }
    }
    out
}

/// The module a path lands in: its longest prefix that is a file.
fn resolve<'a>(path: &str, modules: &'a BTreeMap<String, PathBuf>) -> Option<&'a String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len()).rev().find_map(|k| {
        modules
            .get_key_value(&parts[..k].join("::"))
            .map(|(m, _)| m)
    })
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &modules {
        let me: Vec<&str> = module.split("::").collect();
        let is_mod_rs = path.ends_with("mod.rs");
        for named in named_paths(&code(path), &me, is_mod_rs) {
            if let Some(target) = resolve(&named, &modules) {
                let own_ancestor = module.starts_with(&format!("{target}::"));
                if target != module && !own_ancestor {
                    graph
                        .entry(module.clone())
                        .or_default()
                        .insert(target.clone());
                }
            }
        }
    }
    graph
}

#[test]
fn no_two_files_import_each_other() {
    let graph = graph();
    let mut pairs = Vec::new();
    for (a, targets) in &graph {
        for b in targets {
            if a < b && graph.get(b).is_some_and(|t| t.contains(a)) {
                pairs.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(
        pairs.is_empty(),
        "modules that import each other: {pairs:#?}"
    );
    assert!(
        graph.len() > 40,
        "the scan found the modules: {}",
        graph.len()
    );
}

#[test]
fn the_top_level_modules_form_layers_without_a_cycle() {
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, targets) in graph() {
        let a = a.split("::").next().unwrap().to_string();
        for b in targets {
            let b = b.split("::").next().unwrap().to_string();
            if a != b {
                top.entry(a.clone()).or_default().insert(b);
            }
        }
    }
    // Kahn's algorithm: what cannot be ordered sits on a cycle.
    let mut left = top.clone();
    loop {
        let leaves: Vec<String> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !left.contains_key(d)))
            .map(|(m, _)| m.clone())
            .collect();
        if leaves.is_empty() {
            break;
        }
        for leaf in leaves {
            left.remove(&leaf);
        }
    }
    assert!(
        left.is_empty(),
        "top-level modules on an import cycle: {left:#?}"
    );
    for (layer, below) in [
        ("db", "mercadopago"),
        ("domain", "db"),
        ("mercadopago", "payments"),
    ] {
        assert!(
            !top.get(layer).is_some_and(|d| d.contains(below)),
            "{layer} must not import {below}"
        );
    }
}
