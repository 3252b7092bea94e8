//! The two kernels [`EmulatedKqueue`](crate::EmulatedKqueue) can behave as: FreeBSD's and
//! macOS's (XNU). Each rule below is where their sources differ, quoted from FreeBSD
//! `sys/kern/kern_event.c` and `sys/kern/vfs_subr.c`, and from XNU `bsd/kern/kern_event.c`
//! and `bsd/vfs/vfs_vnops.c`.

use std::fmt;
use std::io;

use rustix::event::Timespec;
use rustix::io::Errno;

use crate::kevent::{EV_ADD, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_ERROR, Kevent};

/// A kernel whose kqueue the emulation follows: [`FreeBsd`] or [`Xnu`]. Sealed: the two
/// flavours are the kernels whose sources the emulation was checked against.
pub trait Flavour: sealed::Sealed + fmt::Debug + Default + Copy + Send + Sync + 'static {
    /// The kernel's name, for messages.
    const NAME: &'static str;
}

/// FreeBSD's kqueue (`sys/kern/kern_event.c`), which the BSDs share in most of what the
/// backend uses.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FreeBsd;

/// macOS's kqueue: XNU (`bsd/kern/kern_event.c`), as on iOS and Apple's other systems.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Xnu;

impl Flavour for FreeBsd {
    const NAME: &'static str = "FreeBSD";
}

impl Flavour for Xnu {
    const NAME: &'static str = "XNU";
}

pub(crate) mod sealed {
    /// Which kernel's rules apply.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kernel {
        FreeBsd,
        Xnu,
    }

    pub trait Sealed {
        const KERNEL: Kernel;
    }

    impl Sealed for super::FreeBsd {
        const KERNEL: Kernel = Kernel::FreeBsd;
    }

    impl Sealed for super::Xnu {
        const KERNEL: Kernel = Kernel::Xnu;
    }
}

use sealed::Kernel;

/// The flags FreeBSD ignores on input: `kevp->flags &= ~EV_SYSFLAGS` in `kqueue_kevent`
/// (`EV_SYSFLAGS` is `0xF000`: `EV_DROP`, `EV_FLAG1`, `EV_ERROR`, `EV_EOF`).
const EV_SYSFLAGS: u16 = 0xF000;

/// `EVFILT_AIO`: a filter both kernels know but neither lets a program add.
pub(crate) const EVFILT_AIO: i16 = -3;

/// A change as the kernel sees it before acting on it, or `None` when it skips the change.
///
/// FreeBSD skips filter 0 ("`if (!kevp->filter) continue;`") and clears the system flags
/// ("`kevp->flags &= ~EV_SYSFLAGS`");
/// XNU "Simplify the flags - delete and disable overrule": `EV_DELETE` clears `EV_ADD`
/// and `EV_DISABLE` clears `EV_ENABLE` (`kevent_register`).
pub(crate) fn prepare(kernel: Kernel, change: &Kevent) -> Option<Kevent> {
    let mut change = *change;
    match kernel {
        Kernel::FreeBsd => {
            if change.filter == 0 {
                return None;
            }
            change.flags &= !EV_SYSFLAGS;
        }
        Kernel::Xnu => {
            if change.flags & EV_DELETE != 0 {
                change.flags &= !EV_ADD;
            }
            if change.flags & EV_DISABLE != 0 {
                change.flags &= !EV_ENABLE;
            }
        }
    }
    Some(change)
}

/// The flags a new event keeps and every event it returns carries (with `EV_EOF` added by
/// the filter). FreeBSD stores the change "`kn->kn_kevent = *kev`" then clears "`EV_ADD |
/// EV_DELETE | EV_ENABLE | EV_DISABLE`" (`kqueue_register`), so `EV_RECEIPT` and
/// `EV_ONESHOT` stay; XNU stores the change as it came ("`kn->kn_kevent = *(struct
/// kevent_internal_s *)kev`", `kevent_register`) and returns it whole (`knote_fill_kevent`: "`*kev = *(struct kevent_qos_s *)&kn->kn_kevent`"), so
/// `EV_ADD` comes back in every event.
pub(crate) fn stored_flags(kernel: Kernel, flags: u16) -> u16 {
    match kernel {
        Kernel::FreeBsd => flags & !(EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE),
        Kernel::Xnu => flags,
    }
}

/// The `flags` of a change's `EV_ERROR` entry (a receipt or an error). FreeBSD replaces them
/// ("`kevp->flags = EV_ERROR`", `kqueue_kevent`); XNU adds the bit to the change's own
/// ("`kev->flags |= EV_ERROR`", `kevent_register` and `kevent_internal`).
pub(crate) fn entry_flags(kernel: Kernel, change: &Kevent) -> u16 {
    match kernel {
        Kernel::FreeBsd => EV_ERROR,
        Kernel::Xnu => change.flags | EV_ERROR,
    }
}

/// Whether a change naming a descriptor that is not open fails with `EBADF` before the
/// event is looked up. FreeBSD gets the file first ("`error = fget(td, kev->ident, ...);
/// if (error) goto done;`"); XNU looks the event up first (`kq_find_knote_and_kq_lock`)
/// and answers a change without `EV_ADD` for a missing one with `ENOENT`; only `EV_ADD`
/// reaches `fp_lookup`, which gives `EBADF`.
pub(crate) fn ebadf_before_lookup(kernel: Kernel, change: &Kevent) -> bool {
    kernel == Kernel::FreeBsd || change.flags & EV_ADD != 0
}

/// The error for `EV_ADD` of an `EVFILT_AIO` event. Neither kernel lets a program add one:
/// FreeBSD's `filt_aioattach` "registration is restricted to the kernel" answers `EPERM`;
/// XNU's filter table holds `bad_filtops` there, whose `filt_no_attach` sets `ENOTSUP`.
pub(crate) fn aio_add_error(kernel: Kernel) -> Errno {
    match kernel {
        Kernel::FreeBsd => Errno::PERM,
        Kernel::Xnu => Errno::NOTSUP,
    }
}

/// What a change gets back when there is no room left for its `EV_ERROR` entry: `Some` ends
/// the call with that result, `None` goes on with the next change. FreeBSD stops at once,
/// for a receipt of success too (`kern_kevent_fp`, now `kqueue_kevent`: "`if (nevents !=
/// 0) { ... } else { goto done; }`", returning the change's error without setting the
/// result, which `cpu_fetch_syscall_args` set to 0); XNU fails the call with an error
/// ("`else if (kev.flags & EV_ERROR) { error = kev.data; }`", `kevent_internal`) but drops a
/// receipt of success and goes on.
pub(crate) fn without_room(kernel: Kernel, result: io::Result<()>) -> Option<io::Result<usize>> {
    match (kernel, result) {
        (Kernel::FreeBsd, result) => Some(result.map(|()| 0)),
        (Kernel::Xnu, Err(err)) => Some(Err(err)),
        (Kernel::Xnu, Ok(())) => None,
    }
}

/// XNU checks the timeout before it applies any change (`kevent_legacy_get_deadline`, called
/// before `kevent_internal`), by `timespec_is_valid`: "`ts->tv_sec < 0 || ts->tv_sec >
/// INT32_MAX || ts->tv_nsec < 0 || (unsigned long long)ts->tv_nsec > NSEC_PER_SEC`" is
/// invalid, so a whole second of nanoseconds passes. FreeBSD checks it only when it is about
/// to wait ([`scan_timeout_is_valid`]).
pub(crate) fn check_timeout_first(kernel: Kernel, timeout: Option<&Timespec>) -> io::Result<()> {
    match (kernel, timeout) {
        (Kernel::Xnu, Some(ts))
            if ts.tv_sec < 0
                || ts.tv_sec > i64::from(i32::MAX)
                || ts.tv_nsec < 0
                || ts.tv_nsec > 1_000_000_000 =>
        {
            Err(Errno::INVAL.into())
        }
        _ => Ok(()),
    }
}

/// FreeBSD's check in `kqueue_scan`, once it knows it has room for events: "`if
/// (tsp->tv_sec < 0 || tsp->tv_nsec < 0 || tsp->tv_nsec >= 1000000000)`" is `EINVAL`. XNU
/// checked before the changes ([`check_timeout_first`]).
pub(crate) fn scan_timeout_is_valid(kernel: Kernel, ts: &Timespec) -> bool {
    match kernel {
        Kernel::FreeBsd => ts.tv_sec >= 0 && (0..1_000_000_000).contains(&ts.tv_nsec),
        Kernel::Xnu => true,
    }
}

/// The `data` of `EVFILT_WRITE` on a regular file, which is always ready: FreeBSD's
/// `filt_vfswrite` sets "`kn->kn_data = 0`"; XNU's `vnode_writable_space_count` says "For
/// regular vnodes, we can always write (1)".
pub(crate) fn regular_file_write_data(kernel: Kernel) -> i64 {
    match kernel {
        Kernel::FreeBsd => 0,
        Kernel::Xnu => 1,
    }
}
