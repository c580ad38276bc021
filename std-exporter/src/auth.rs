//! Who may scrape: no credentials, a bearer token, or HTTP basic auth.
//!
//! Metrics name functions, modules and versions, which some deployments do
//! not want to show to anyone who can reach the port. Prometheus sends either
//! a bearer token (`authorization: {credentials: ...}` in a scrape config) or
//! basic auth (`basic_auth:`), so those are the two schemes offered.
//! Credentials are compared in constant time, and the secret never appears
//! in `Debug` output.

use crate::error::Error;
use base64::Engine as _;
use http::HeaderMap;
use http::header::AUTHORIZATION;
use std::fmt;

/// The credentials a scrape must present.
///
/// ```
/// use omnimetrics_exporter::Auth;
///
/// let token = Auth::bearer("s3cret").unwrap();
/// let mut headers = http::HeaderMap::new();
/// assert!(!token.allows(&headers));
/// headers.insert(http::header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
/// assert!(token.allows(&headers));
/// assert_eq!(format!("{token:?}"), "Auth::Bearer(<redacted>)");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Auth {
    kind: Kind,
}

#[derive(Clone, Default, PartialEq, Eq)]
enum Kind {
    #[default]
    None,
    Bearer(String),
    /// `user:password`, the bytes a client base64-encodes.
    Basic {
        user: String,
        pair: Vec<u8>,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::None => f.write_str("Auth::None"),
            Kind::Bearer(_) => f.write_str("Auth::Bearer(<redacted>)"),
            Kind::Basic { user, .. } => write!(f, "Auth::Basic({user:?}, <redacted>)"),
        }
    }
}

impl Auth {
    /// Anyone may scrape (the default).
    pub const fn none() -> Self {
        Self { kind: Kind::None }
    }

    /// Scrapes must send `Authorization: Bearer <token>`.
    ///
    /// The token must be non-empty and made of the characters a header can
    /// carry in a token (visible ASCII, no spaces).
    pub fn bearer(token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        if token.is_empty() {
            return Err(Error::InvalidCredentials {
                reason: "the bearer token is empty; use a long random string",
            });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidCredentials {
                reason: "the bearer token may only hold visible ASCII characters without spaces, \
                         which is what an HTTP header can carry",
            });
        }
        Ok(Self {
            kind: Kind::Bearer(token),
        })
    }

    /// Scrapes must send HTTP basic auth with this user and password.
    ///
    /// The user name must be non-empty and must not contain `:`; neither
    /// may contain control characters.
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Result<Self, Error> {
        let (user, password) = (user.into(), password.into());
        if user.is_empty() || user.contains(':') {
            return Err(Error::InvalidCredentials {
                reason: "the basic-auth user name must be non-empty and must not contain `:`",
            });
        }
        if user.chars().chain(password.chars()).any(char::is_control) {
            return Err(Error::InvalidCredentials {
                reason: "basic-auth user names and passwords must not contain control characters",
            });
        }
        let pair = format!("{user}:{password}").into_bytes();
        Ok(Self {
            kind: Kind::Basic { user, pair },
        })
    }

    /// Whether credentials are required at all.
    pub fn is_required(&self) -> bool {
        !matches!(self.kind, Kind::None)
    }

    /// Whether a request with these headers may scrape.
    ///
    /// Exactly one `Authorization` header must be present (when credentials
    /// are required) and match; anything else is refused.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let expected = match &self.kind {
            Kind::None => return true,
            Kind::Bearer(token) => ("bearer", token.as_bytes()),
            Kind::Basic { pair, .. } => ("basic", pair.as_slice()),
        };
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return false;
        };
        let Some((scheme, credentials)) = split_scheme(value.as_bytes()) else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case(expected.0.as_bytes()) {
            return false;
        }
        match &self.kind {
            Kind::Bearer(_) => same_bytes(credentials, expected.1),
            Kind::Basic { .. } => base64::engine::general_purpose::STANDARD
                .decode(credentials)
                .is_ok_and(|decoded| same_bytes(&decoded, expected.1)),
            Kind::None => true,
        }
    }

    /// The `WWW-Authenticate` value of a refusal.
    pub(crate) fn challenge(&self) -> Option<&'static str> {
        match self.kind {
            Kind::None => None,
            Kind::Bearer(_) => Some("Bearer realm=\"metrics\""),
            Kind::Basic { .. } => Some("Basic realm=\"metrics\", charset=\"UTF-8\""),
        }
    }

    /// The body of a refusal: what the scraper must send.
    pub(crate) fn refusal(&self) -> &'static str {
        match self.kind {
            Kind::None => "",
            Kind::Bearer(_) => {
                "401 Unauthorized: this endpoint needs `Authorization: Bearer <token>` \
                 (in Prometheus: `authorization: {credentials: <token>}` in the scrape config)\n"
            }
            Kind::Basic { .. } => {
                "401 Unauthorized: this endpoint needs HTTP basic auth \
                 (in Prometheus: `basic_auth: {username: ..., password: ...}` in the scrape config)\n"
            }
        }
    }
}

/// `Scheme SP credentials`, with optional extra spaces, trimmed.
fn split_scheme(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let value = value.trim_ascii();
    let space = value.iter().position(|&b| b == b' ')?;
    let (scheme, rest) = value.split_at(space);
    let credentials = rest.trim_ascii();
    (!credentials.is_empty()).then_some((scheme, credentials))
}

/// Equality whose time depends on the lengths only, not on where the first
/// difference is.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(AUTHORIZATION, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn none_allows_everything() {
        let a = Auth::none();
        assert!(!a.is_required());
        assert!(a.allows(&with(&[])));
        assert!(a.allows(&with(&[b"Bearer x"])));
        assert_eq!(a.challenge(), None);
    }

    #[test]
    fn bearer() {
        let a = Auth::bearer("tok-123").unwrap();
        assert!(a.allows(&with(&[b"Bearer tok-123"])));
        assert!(a.allows(&with(&[b"bearer   tok-123 "])));
        for bad in [
            &b"Bearer tok-124"[..],
            b"Bearer tok-12",
            b"Bearer tok-1234",
            b"Bearer",
            b"Bearer ",
            b"tok-123",
            b"Basic tok-123",
            b"Bearertok-123",
            b"Bearer \xfftok",
        ] {
            assert!(
                !a.allows(&with(&[bad])),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(!a.allows(&with(&[])));
        assert!(!a.allows(&with(&[b"Bearer tok-123", b"Bearer tok-123"])));
        assert_eq!(a.challenge(), Some("Bearer realm=\"metrics\""));
    }

    #[test]
    fn basic() {
        let a = Auth::basic("prom", "pa:ss wörd").unwrap();
        let good = base64::engine::general_purpose::STANDARD.encode("prom:pa:ss wörd");
        assert!(a.allows(&with(&[format!("Basic {good}").as_bytes()])));
        assert!(a.allows(&with(&[format!("BASIC {good}").as_bytes()])));
        let wrong = base64::engine::general_purpose::STANDARD.encode("prom:pa:ss word");
        assert!(!a.allows(&with(&[format!("Basic {wrong}").as_bytes()])));
        assert!(!a.allows(&with(&[b"Basic !!!notbase64"])));
        assert!(!a.allows(&with(&[format!("Bearer {good}").as_bytes()])));
        assert_eq!(format!("{a:?}"), "Auth::Basic(\"prom\", <redacted>)");
    }

    #[test]
    fn invalid_credentials_are_refused_with_a_reason() {
        for e in [
            Auth::bearer("").unwrap_err(),
            Auth::bearer("has space").unwrap_err(),
            Auth::bearer("new\nline").unwrap_err(),
            Auth::basic("", "x").unwrap_err(),
            Auth::basic("a:b", "x").unwrap_err(),
            Auth::basic("a", "x\ny").unwrap_err(),
        ] {
            assert!(matches!(e, Error::InvalidCredentials { .. }), "{e}");
        }
    }

    #[test]
    fn constant_time_equality() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
        assert!(same_bytes(b"", b""));
    }
}
