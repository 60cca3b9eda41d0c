//! Reading a service's embedded defaults strictly. serde skips keys a struct does not have, so
//! a misspelt or stale key in `config/default.toml` would be silently ignored; this refuses it
//! (and a missing key fails to deserialise as usual).

use serde::de::DeserializeOwned;

/// Deserialises `defaults` (a default.toml) into `T`, panicking on any key `T` does not read.
pub fn strict_defaults<T: DeserializeOwned>(defaults: &str) -> T {
    let mut unknown = Vec::new();
    let parsed = toml::Deserializer::parse(defaults).expect("default.toml is TOML");
    let settings: Result<T, _> =
        serde_ignored::deserialize(parsed, |path| unknown.push(path.to_string()));
    let settings = settings.expect("default.toml deserialises into Settings");
    assert_eq!(unknown, Vec::<String>::new(), "keys Settings does not read");
    settings
}
