//! Timeout conversions shared by the backends: rounded up once, in integers, and clamped.
//!
//! A positive timeout must never become shorter, and a sub-millisecond one must never become 0
//! (that was CPython's busy loop, bpo-20311); CPython's epoll also rounded twice, once in
//! floating point (measured: `select(0.009)` waited 10 ms). Here every conversion is one
//! integer ceiling. Values above what the kernel accepts are clamped: the kernel returns early
//! with no events and the selector waits again for the rest of the time.

use std::time::Duration;

use rustix::event::Timespec;

/// The largest millisecond timeout `poll(2)`, `epoll_wait(2)` and `DP_POLL` accept.
pub const MAX_MILLIS: i32 = i32::MAX;

/// The largest `tv_sec` passed to the kernel: about 31 years, far below every `time_t` limit
/// and every kernel's own ceiling (some BSDs refuse more than 10^8 seconds).
pub const MAX_TIMESPEC_SECS: u64 = 99_999_999;

/// A timeout in whole milliseconds, rounded up and clamped to [`MAX_MILLIS`]; `None` is `-1`
/// (block).
///
/// ```
/// use std::time::Duration;
/// use selectors_core::timeout::ceil_millis;
///
/// assert_eq!(ceil_millis(None), -1);
/// assert_eq!(ceil_millis(Some(Duration::ZERO)), 0);
/// assert_eq!(ceil_millis(Some(Duration::from_nanos(1))), 1);
/// assert_eq!(ceil_millis(Some(Duration::from_micros(9_000))), 9);
/// assert_eq!(ceil_millis(Some(Duration::from_micros(9_001))), 10);
/// assert_eq!(ceil_millis(Some(Duration::MAX)), i32::MAX);
/// ```
#[inline]
#[must_use]
pub fn ceil_millis(timeout: Option<Duration>) -> i32 {
    let Some(timeout) = timeout else {
        return -1;
    };
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    i32::try_from(millis).unwrap_or(MAX_MILLIS)
}

/// A timeout as a [`Timespec`] with full nanosecond precision, clamped to
/// [`MAX_TIMESPEC_SECS`]; `None` stays `None` (block).
///
/// ```
/// use std::time::Duration;
/// use selectors_core::timeout::timespec;
///
/// let ts = timespec(Some(Duration::new(2, 5))).unwrap();
/// assert_eq!((ts.tv_sec, ts.tv_nsec), (2, 5));
/// assert_eq!(timespec(Some(Duration::MAX)).unwrap().tv_sec, 99_999_999);
/// assert!(timespec(None).is_none());
/// ```
#[inline]
#[must_use]
pub fn timespec(timeout: Option<Duration>) -> Option<Timespec> {
    let timeout = timeout?;
    let (secs, nanos) = if timeout.as_secs() > MAX_TIMESPEC_SECS {
        (MAX_TIMESPEC_SECS, 0)
    } else {
        (timeout.as_secs(), timeout.subsec_nanos())
    };
    Some(Timespec {
        tv_sec: secs as _,
        tv_nsec: nanos as _,
    })
}

/// A timeout as a [`Timespec`] rounded **up** to whole microseconds (select's `timeval`
/// resolution) and clamped like [`timespec`].
///
/// ```
/// use std::time::Duration;
/// use selectors_core::timeout::timespec_micros;
///
/// let ts = timespec_micros(Some(Duration::from_nanos(1))).unwrap();
/// assert_eq!((ts.tv_sec, ts.tv_nsec), (0, 1_000));
/// let ts = timespec_micros(Some(Duration::from_nanos(999_999_001))).unwrap();
/// assert_eq!((ts.tv_sec, ts.tv_nsec), (1, 0));
/// ```
#[inline]
#[must_use]
pub fn timespec_micros(timeout: Option<Duration>) -> Option<Timespec> {
    let timeout = timeout?;
    let micros = timeout.as_nanos().div_ceil(1_000);
    let secs = (micros / 1_000_000).min(u128::from(MAX_TIMESPEC_SECS));
    let nanos = if secs == u128::from(MAX_TIMESPEC_SECS) {
        0
    } else {
        (micros % 1_000_000) * 1_000
    };
    Some(Timespec {
        tv_sec: secs as _,
        tv_nsec: nanos as _,
    })
}

/// A timeout rounded **up** to whole milliseconds (clamped like [`ceil_millis`]) and given
/// back as a [`Timespec`], for calls that take a `timespec` but whose resolution is the
/// millisecond (`poll`, `epoll_wait`); `None` stays `None` (block).
///
/// ```
/// use std::time::Duration;
/// use selectors_core::timeout::timespec_millis;
///
/// let ts = timespec_millis(Some(Duration::from_micros(1_500))).unwrap();
/// assert_eq!((ts.tv_sec, ts.tv_nsec), (0, 2_000_000));
/// assert!(timespec_millis(None).is_none());
/// ```
#[inline]
#[must_use]
pub fn timespec_millis(timeout: Option<Duration>) -> Option<Timespec> {
    let millis = ceil_millis(timeout);
    (millis >= 0).then(|| Timespec {
        tv_sec: (millis / 1000) as _,
        tv_nsec: ((millis % 1000) * 1_000_000) as _,
    })
}
