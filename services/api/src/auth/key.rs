//! API key material: minting a key, its digest (what the database keeps) and its prefix
//! (what listings show).

use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every key starts with this, so a leaked one is recognisable (secret scanners, logs).
pub const KEY_PREFIX: &str = "gk_";

/// How many characters of a key listings show: the marker and seven hex digits.
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 7;

/// A freshly minted key. `secret` is shown once and never stored.
pub struct MintedKey {
    pub secret: String,
    pub digest: [u8; 32],
    pub prefix: String,
}

/// 256 random bits from rand's thread generator (a CSPRNG seeded by the operating system),
/// hex-encoded behind [`KEY_PREFIX`].
pub fn mint() -> MintedKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{KEY_PREFIX}{}", hex(&bytes));
    MintedKey {
        digest: digest(&secret),
        prefix: secret[..SHOWN_CHARS].to_owned(),
        secret,
    }
}

/// The SHA-256 of a presented key: the only form in which keys are stored or compared.
pub fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_are_distinct_prefixed_and_match_their_digest() {
        let a = mint();
        let b = mint();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(KEY_PREFIX));
        assert_eq!(a.secret.len(), KEY_PREFIX.len() + 64);
        assert!(a.secret.starts_with(&a.prefix));
        assert_eq!(digest(&a.secret), a.digest);
        assert_ne!(digest(&a.secret), digest(&b.secret));
    }
}
