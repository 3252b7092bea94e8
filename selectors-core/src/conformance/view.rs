//! What the backend (or the kernel behind it) holds: interest lists to compare with the map.

use rustix::fd::RawFd;

use crate::{Backend, BaseSelector, Events};

/// A backend's interest list as `(fd, events)` sorted by fd: the kernel's registrations where
/// the kernel keeps them (epoll: [`epoll_interest_list`]), the backend's own list where it
/// keeps one (select, poll, the emulated kqueue and /dev/poll); `None` when there is no way to
/// see it (`DefaultBackend` over a backend it does not expose).
///
/// Each backend's tests supply theirs to the reliability cases, which then check that the map
/// and the kernel agree after every call: nothing registered twice, nothing left behind.
pub type InterestList<B> = fn(&B) -> Option<Vec<(RawFd, Events)>>;

/// No view: for suites that check the map alone.
pub fn no_view<B>(_backend: &B) -> Option<Vec<(RawFd, Events)>> {
    None
}

/// The registrations of the epoll instance behind `backend.fileno()`, as the kernel lists
/// them in `/proc/self/fdinfo/<epfd>` (one `tfd:` line per registration; the events word is
/// hexadecimal, and the kernel adds `EPOLLERR | EPOLLHUP` to every one). `None` without a
/// fileno.
///
/// # Panics
/// If the fdinfo file cannot be read or parsed.
pub fn epoll_interest_list<B: Backend>(backend: &B) -> Option<Vec<(RawFd, Events)>> {
    const EPOLLIN: u32 = 0x001;
    const EPOLLOUT: u32 = 0x004;
    let epfd = backend.fileno()?;
    let path = format!("/proc/self/fdinfo/{epfd}");
    let info = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let mut list = Vec::new();
    for line in info.lines().filter(|line| line.starts_with("tfd:")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (fd, flags) = match words.as_slice() {
            ["tfd:", fd, "events:", flags, ..] => (fd, flags),
            _ => panic!("{path}: unexpected line {line:?}"),
        };
        let fd: RawFd = fd.parse().unwrap_or_else(|_| panic!("{path}: {line:?}"));
        let flags = u32::from_str_radix(flags, 16).unwrap_or_else(|_| panic!("{path}: {line:?}"));
        let mut events = Events::empty();
        if flags & EPOLLIN != 0 {
            events |= Events::READ;
        }
        if flags & EPOLLOUT != 0 {
            events |= Events::WRITE;
        }
        list.push((fd, events));
    }
    list.sort_unstable();
    Some(list)
}

/// The map's registrations as `(fd, events)`, sorted by fd.
pub fn map_interest<B: Backend, F: rustix::fd::AsFd, T>(
    selector: &BaseSelector<B, F, T>,
) -> Vec<(RawFd, Events)> {
    let mut all: Vec<_> = selector
        .get_map()
        .iter()
        .map(|(fd, key)| (fd, key.events()))
        .collect();
    all.sort_unstable();
    all
}

/// Asserts that the map and the backend's interest list agree (when `view` can see it).
pub fn assert_agree<B: Backend, F: rustix::fd::AsFd, T>(
    selector: &BaseSelector<B, F, T>,
    view: InterestList<B>,
    what: &str,
) {
    if let Some(kernel) = view(selector.backend()) {
        assert_eq!(
            kernel,
            map_interest(selector),
            "{what}: the {} interest list (left) and the map (right) disagree",
            selector.backend_name()
        );
    }
}

/// Asserts that the backend's interest list is exactly `expected` (when `view` can see it).
pub fn assert_interest<B: Backend>(
    backend: &B,
    view: InterestList<B>,
    expected: &[(RawFd, Events)],
    what: &str,
) {
    if let Some(mut kernel) = view(backend) {
        kernel.sort_unstable();
        let mut expected = expected.to_vec();
        expected.sort_unstable();
        assert_eq!(
            kernel,
            expected,
            "{what}: the {} interest list (left) is not as expected (right)",
            backend.name()
        );
    }
}
