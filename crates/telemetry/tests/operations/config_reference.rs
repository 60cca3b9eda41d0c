//! `docs/configuration.md` documents every key of every service's `config/default.toml`, with
//! the same default and the right environment variable, and documents nothing else. (Each
//! service's own unit test checks that its `default.toml` has exactly the `Settings` keys.)

use std::{collections::BTreeMap, path::PathBuf};

/// (service heading in the docs, default config file).
const SERVICES: [(&str, &str); 4] = [
    ("greetings-api", "services/api/config/default.toml"),
    (
        "greetings-scheduler",
        "services/scheduler/config/default.toml",
    ),
    ("greetings-worker", "services/worker/config/default.toml"),
    (
        "greetings-email-sim",
        "services/email-sim/config/default.toml",
    ),
];

/// Keys the pinned connection variables set (see `settings.rs`).
const PINNED: [(&str, &str); 3] = [
    ("database.url", "DATABASE_URL"),
    ("rabbitmq.url", "AMQP_URL"),
    ("email.url", "EMAIL_SERVICE_URL"),
];

fn workspace_file(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {path:?}: {err}"))
}

/// `section.key` → value, from a default config file.
fn default_keys(relative: &str) -> BTreeMap<String, toml::Value> {
    let table: toml::Table = workspace_file(relative)
        .parse()
        .unwrap_or_else(|err| panic!("{relative} is not TOML: {err}"));
    let mut keys = BTreeMap::new();
    for (section, value) in table {
        let toml::Value::Table(entries) = value else {
            panic!("{relative}: top-level key {section} is not a [section]");
        };
        for (key, value) in entries {
            assert!(
                !value.is_table(),
                "{relative}: {section}.{key} nests deeper than section.key"
            );
            keys.insert(format!("{section}.{key}"), value);
        }
    }
    keys
}

struct Documented {
    default: String,
    env: String,
}

/// `section.key` → row, from the service's `## greetings-<service>` part of the docs. Rows
/// look like ``| `http.listen` | `"127.0.0.1:8080"` | `GREETINGS__HTTP__LISTEN` | meaning |``.
fn documented_keys(docs: &str, heading: &str) -> BTreeMap<String, Documented> {
    let start = docs
        .lines()
        .position(|line| line.trim() == format!("## {heading}"))
        .unwrap_or_else(|| panic!("docs/configuration.md has no '## {heading}' section"));
    let mut keys = BTreeMap::new();
    for line in docs.lines().skip(start + 1) {
        if line.starts_with("## ") {
            break;
        }
        let Some(row) = line.trim().strip_prefix("| `") else {
            continue;
        };
        let cells: Vec<&str> = row.split(" | ").map(str::trim).collect();
        assert!(cells.len() >= 4, "{heading}: malformed row: {line}");
        let key = cells[0].trim_end_matches('`').to_owned();
        let row = Documented {
            default: cells[1].trim_matches('`').to_owned(),
            env: cells[2].to_owned(),
        };
        assert!(
            keys.insert(key.clone(), row).is_none(),
            "{heading}: {key} documented twice"
        );
    }
    keys
}

#[test]
fn every_config_key_is_documented_with_its_default_and_variable_and_nothing_else() {
    let docs = workspace_file("docs/configuration.md");
    let mut problems = Vec::new();
    for (heading, file) in SERVICES {
        let defaults = default_keys(file);
        let documented = documented_keys(&docs, heading);
        for key in defaults.keys().filter(|key| !documented.contains_key(*key)) {
            problems.push(format!("{heading}: {key} is in {file} but not documented"));
        }
        for key in documented.keys().filter(|key| !defaults.contains_key(*key)) {
            problems.push(format!("{heading}: {key} is documented but not in {file}"));
        }
        for (key, value) in &defaults {
            let Some(row) = documented.get(key) else {
                continue;
            };
            let parsed = format!("v = {}", row.default)
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut table| table.remove("v"));
            if parsed.as_ref() != Some(value) {
                problems.push(format!(
                    "{heading}: {key} is documented with default {} but {file} has {value}",
                    row.default
                ));
            }
            let (section, name) = key.split_once('.').expect("section.key");
            let variable = format!(
                "`GREETINGS__{}__{}`",
                section.to_uppercase(),
                name.to_uppercase()
            );
            if !row.env.contains(&variable) {
                problems.push(format!("{heading}: {key} does not name {variable}"));
            }
            if let Some((_, pinned)) = PINNED.iter().find(|(pinned_key, _)| pinned_key == key) {
                if !row.env.contains(&format!("`{pinned}`")) {
                    problems.push(format!("{heading}: {key} does not name `{pinned}`"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_docs_parser_reads_one_row_per_key() {
    // The parser must really read rows: a doc without one key is caught.
    let docs = "## greetings-x\n\n| key | default | env | meaning |\n|---|---|---|---|\n\
                | `http.listen` | `\"127.0.0.1:1\"` | `GREETINGS__HTTP__LISTEN` | where |\n";
    let documented = documented_keys(docs, "greetings-x");
    assert_eq!(documented.keys().collect::<Vec<_>>(), ["http.listen"]);
    assert_eq!(documented["http.listen"].default, "\"127.0.0.1:1\"");
}
