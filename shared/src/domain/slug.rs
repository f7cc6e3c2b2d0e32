//! Workspace slugs: 8 characters `[a-z0-9]`, drawn from a CSPRNG, never changed.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;

use rand::Rng;
use serde::{Deserialize, Serialize};

pub const SLUG_LEN: usize = 8;
const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A slug that cannot be malformed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Option<Slug> {
        (raw.len() == SLUG_LEN && raw.bytes().all(|b| ALPHABET.contains(&b)))
            .then(|| Slug(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Slug::parse(&value).ok_or_else(|| format!("not a slug: {value:?}"))
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where new slugs come from; the store retries with the next one on a collision.
pub trait SlugSource: Send + Sync {
    fn next_slug(&self) -> Slug;
}

/// The production source: `rand`'s thread-local CSPRNG (ChaCha, seeded from the OS).
#[derive(Debug, Default)]
pub struct RandomSlugs;

impl SlugSource for RandomSlugs {
    fn next_slug(&self) -> Slug {
        let mut rng = rand::rng();
        // Uniform over the alphabet: `random_range` rejects instead of taking a biased modulo.
        let slug = (0..SLUG_LEN)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        Slug(slug)
    }
}

/// Hands out the given slugs first, then random ones: lets tests force a collision.
#[derive(Debug, Default)]
pub struct ScriptedSlugs(Mutex<VecDeque<Slug>>);

impl ScriptedSlugs {
    pub fn new(first: impl IntoIterator<Item = Slug>) -> Self {
        ScriptedSlugs(Mutex::new(first.into_iter().collect()))
    }
}

impl SlugSource for ScriptedSlugs {
    fn next_slug(&self) -> Slug {
        let scripted = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop_front();
        scripted.unwrap_or_else(|| RandomSlugs.next_slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w2_random_slugs_are_eight_lowercase_alphanumerics() {
        for _ in 0..1000 {
            let slug = RandomSlugs.next_slug();
            assert!(Slug::parse(slug.as_str()).is_some(), "{slug}");
        }
    }

    #[test]
    fn w2_malformed_slugs_do_not_parse() {
        for bad in ["", "abc", "ABCDEFGH", "abcdefg!", "abcdefghi", "abcd efg"] {
            assert!(Slug::parse(bad).is_none(), "{bad:?}");
        }
    }
}
