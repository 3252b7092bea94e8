//! `BackendKind`: the backends by kind, with their names, for choosing one in code or in
//! `SELECTORS_BACKEND`.

use std::fmt;
use std::str::FromStr;

/// A readiness mechanism this crate can use: what [`DefaultBackend`](crate::DefaultBackend)
/// chooses among, and what `SELECTORS_BACKEND` names (by [`name`](BackendKind::name)).
///
/// ```
/// use selectors::BackendKind;
///
/// let kind: BackendKind = "poll".parse()?;
/// assert_eq!(kind, BackendKind::Poll);
/// assert_eq!(kind.to_string(), "poll");
/// assert!("bogus".parse::<BackendKind>().is_err());
/// # Ok::<(), selectors::ParseBackendKindError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum BackendKind {
    /// kqueue(2): Apple's systems and the BSDs.
    Kqueue,
    /// epoll(7): Linux and Android.
    Epoll,
    /// `/dev/poll`: illumos and Solaris.
    Devpoll,
    /// poll(2): every Unix (and `WSAPoll` on Windows).
    Poll,
    /// select(2): every Unix (and Winsock `select` on Windows).
    Select,
}

impl BackendKind {
    /// Every kind, in CPython's probe order (kqueue, epoll, devpoll, poll, select).
    pub const ALL: [BackendKind; 5] = [
        BackendKind::Kqueue,
        BackendKind::Epoll,
        BackendKind::Devpoll,
        BackendKind::Poll,
        BackendKind::Select,
    ];

    /// The lowercase name: `"kqueue"`, `"epoll"`, `"devpoll"`, `"poll"` or `"select"`, as
    /// `Backend::name` and `SELECTORS_BACKEND` spell it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            BackendKind::Kqueue => "kqueue",
            BackendKind::Epoll => "epoll",
            BackendKind::Devpoll => "devpoll",
            BackendKind::Poll => "poll",
            BackendKind::Select => "select",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = ParseBackendKindError;

    fn from_str(name: &str) -> Result<BackendKind, ParseBackendKindError> {
        BackendKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| ParseBackendKindError(name.to_owned()))
    }
}

/// A name that is not a [`BackendKind`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseBackendKindError(String);

impl fmt::Display for ParseBackendKindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a selectors backend; the backends are ",
            self.0
        )?;
        let names: Vec<&str> = BackendKind::ALL.iter().map(|kind| kind.name()).collect();
        f.write_str(&names.join(", "))
    }
}

impl std::error::Error for ParseBackendKindError {}
