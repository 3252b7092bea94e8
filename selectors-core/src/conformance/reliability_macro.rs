//! The macro that turns the reliability cases (model-checked random sequences, faults, fd
//! exhaustion, threads, exec) into `#[test]`s named after a backend.

/// Runs the reliability cases for a backend: expands to `mod $name { #[test] fn <case>() ...
/// }`, so test names read `epoll::model_random_sequences`.
///
/// `reliability_suite!(name, BackendType, view = <InterestList>, behaviour = <Behaviour>)`:
/// `view` shows the backend's interest list (the kernel's, where the kernel keeps it), which
/// the cases compare with the map after every call; `behaviour` declares what the backend
/// does where backends legitimately differ (a closed fd, a reused fd number, a regular file,
/// a kernel object). The cases read Linux's readiness rules for `AF_UNIX` sockets and
/// `/proc`: put the call in a test file built on Linux. On Windows,
/// `reliability_suite!(name, BackendType, view = <InterestList>, windows)` runs the
/// model-checked sequences alone, over loopback TCP pairs.
///
/// Like [`conformance_suite!`](crate::conformance_suite), the expansion defines
/// `$name::borrow_raw` for the raw-fd cases (an `unsafe` block expanded in the test crate,
/// from `conformance/sys.rs`).
///
/// ```text
/// // selectors-poll/tests/reliability.rs
/// selectors_core::reliability_suite!(poll, PollBackend, view = interest, behaviour = POLL);
/// ```
#[macro_export]
macro_rules! reliability_suite {
    // Windows: the model-checked sequences, on loopback TCP pairs (the other cases need
    // `dup2`, regular files, fd limits, `fork` or `/proc`: docs/reliability.md).
    ($name:ident, $backend:ty, view = $view:expr, windows $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::__conformance_borrow_raw_fn!();

            #[test]
            fn model_random_sequences() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::model_random_sequences::<$backend>($view, borrow_raw);
            }
        }
    };
    (
        $name:ident,
        $backend:ty,
        view = $view:expr,
        behaviour = $behaviour:expr $(,)?
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::__conformance_borrow_raw_fn!();

            #[test]
            fn model_random_sequences() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::model_random_sequences::<$backend>($view, borrow_raw);
            }

            #[test]
            fn closed_then_reused_fd() {
                // Takes `FdLock::exclusive` itself.
                $crate::conformance::closed_then_reused_fd::<$backend>(
                    borrow_raw, $view, $behaviour,
                );
            }

            #[test]
            fn regular_file_registration() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::regular_file_registration::<$backend>($view, $behaviour);
            }

            #[test]
            fn peer_hang_up_leaves_nothing() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::peer_hang_up_leaves_nothing::<$backend>($view);
            }

            #[test]
            fn every_ready_fd_once_however_many() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::every_ready_fd_once_however_many::<$backend>($view);
            }

            #[test]
            fn selector_creation_under_emfile() {
                // A child holds a copy of every fd of this process between fork and exec, so
                // a socket another case closes meanwhile keeps its peer open (no hang-up):
                // cases that start a child run alone.
                let _fds = $crate::conformance::FdLock::exclusive();
                $crate::conformance::selector_creation_under_emfile::<$backend>(
                    concat!(stringify!($name), "::selector_creation_under_emfile"),
                    $behaviour,
                );
            }

            #[test]
            fn works_after_moving_to_another_thread() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::works_after_moving_to_another_thread::<$backend>();
            }

            #[test]
            fn kernel_object_close_on_exec() {
                // Starts a child: runs alone (see `selector_creation_under_emfile`).
                let _fds = $crate::conformance::FdLock::exclusive();
                $crate::conformance::kernel_object_close_on_exec::<$backend>($behaviour);
            }
        }
    };
}
