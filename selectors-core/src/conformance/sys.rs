//! The two `unsafe` operations the test suites need, as macros that expand in the test crate:
//! core itself compiles no `unsafe` (`#![forbid(unsafe_code)]`), and these are the only
//! `unsafe` blocks the conformance suite ever produces.

/// Defines `pub(crate) fn borrow_raw(fd: RawFd) -> BorrowedFd<'static>` in the calling module:
/// Python's raw-fd registration, for the cases that register fd numbers (and close them
/// behind the selector's back).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_borrow_raw_fn {
    () => {
        /// Python's raw-fd registration: a `BorrowedFd` for an fd number.
        #[allow(dead_code)]
        pub(crate) fn borrow_raw(fd: $crate::RawFd) -> $crate::BorrowedFd<'static> {
            // SAFETY: the cases keep each fd they borrow open for as long as the selector
            // may pass it to the kernel, except where closing it behind the selector's
            // back is the point of the case: then the selector only hands the number to
            // the kernel, which answers `EBADF`, `ENOENT` or `POLLNVAL`. Negative numbers
            // other than -1 (the niche) are refused by the selector before any use.
            unsafe { $crate::BorrowedFd::borrow_raw(fd) }
        }
    };
}

/// Defines `fn install_handler()` in the calling module: installs the counting handler for
/// the test signal, without `SA_RESTART`.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_install_handler_fn {
    () => {
        /// Installs the counting handler for the test signal.
        fn install_handler() {
            let action = $crate::conformance::counting_sigaction();
            // SAFETY: the handler only increments an atomic counter, which is
            // async-signal-safe; the disposition is process-wide, and this test binary
            // holds nothing but the signal cases, which all install the same handler.
            let installed = unsafe {
                $crate::conformance::nix::sys::signal::sigaction(
                    $crate::conformance::TEST_SIGNAL,
                    &action,
                )
            };
            installed.expect("sigaction");
        }
    };
}
