//! The macros that turn the cases into `#[test]`s named after a backend.

/// Runs the whole conformance suite for a backend: expands to `mod $name { #[test] fn <case>()
/// ... }`, one test per case, so test names read `epoll::register_rejects_empty_events`.
///
/// `conformance_suite!(name, BackendType)` runs every common case;
/// `conformance_suite!(name, BackendType, scalable)` adds `many_fds` (Unix; CPython runs it for
/// its poll, epoll, devpoll and kqueue selectors). `BackendType` is any
/// [`Backend`](crate::Backend) type visible where the macro is called; the test crate needs
/// `selectors-core` with the `conformance` feature as a dev-dependency.
///
/// Every case runs under [`FdLock::shared`]. The expansion also defines `$name::borrow_raw`,
/// the [`BorrowRaw`] function the raw-fd cases take (an `unsafe` block expanded in the
/// test crate, from `conformance/sys.rs`), which the backend's own cases can use too.
///
/// [`FdLock::shared`]: crate::conformance::FdLock::shared
/// [`BorrowRaw`]: crate::conformance::BorrowRaw
#[macro_export]
macro_rules! conformance_suite {
    ($name:ident, $backend:ty, scalable) => {
        $crate::conformance_suite!(@suite $name, $backend, [many_fds]);
    };
    ($name:ident, $backend:ty) => {
        $crate::conformance_suite!(@suite $name, $backend, []);
    };
    (@suite $name:ident, $backend:ty, [$($exclusive:ident)*]) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::__conformance_borrow_raw_fn!();

            $crate::conformance_suite!(@plain $backend;
                register_returns_key
                register_rejects_empty_events
                register_rejects_unknown_event_bits
                register_kernel_failure_changes_nothing
                register_accepts_dup_of_registered_fd
                unregister_returns_key
                unregister_rejects_unknown_fd
                unregister_ignores_backend_errors
                unregister_stops_reporting
                modify_changes_events
                modify_data_only_makes_no_system_call
                modify_rejects_unknown_fd
                modify_validates_events_first
                get_key_finds_registered_key
                get_map_is_a_view_keyed_by_fd
                select_reports_only_ready_fds
                select_read_and_write_in_one_entry
                select_is_level_triggered
                select_hangup_is_masked_by_key
                select_tcp_loopback
                select_forms_agree
                select_random_exchange
                empty_select_polls
                empty_select_sleeps_for_timeout
                select_timeout_bounds
                sub_millisecond_timeout_never_returns_early
                interrupted_select_resumes_with_remaining_time
                interrupt_check_can_end_select
                drop_releases_file_objects
                backend_misuse_never_panics
                wake_ends_a_blocked_select
                wakes_before_select_coalesce_into_one_return
                a_wake_with_ready_fds_reports_the_fds
                a_wake_after_the_selector_is_gone_is_an_error
            );
            #[test]
            fn many_threads_of_wakes_lose_none_and_never_spin() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::many_threads_of_wakes_lose_none_and_never_spin::<$backend>(
                    2, 100_000,
                );
            }
            $crate::conformance_suite!(@viewed $backend;
                fd_is_read_once_at_register
                panicking_as_fd_changes_nothing
                panicking_callback_leaves_nothing_behind
            );
            $crate::conformance_suite!(@borrowed $backend;
                register_rejects_duplicate_fd
                unregister_after_fd_close
                modify_failure_removes_key_from_map_and_kernel
                close_releases_file_objects
                fileno_is_the_kernel_object
                the_wakers_fd_is_invisible
            );
            // Negative fd numbers, `dup2`, fd limits and `dup` at a chosen number: Unix only
            // (docs/conformance.md says why for each).
            $crate::conformance_suite!(@borrowed_unix $backend;
                register_rejects_negative_fd
                register_checks_events_then_fd_then_duplicate
                unregister_after_fd_close_and_reuse
                impossible_fd_numbers_are_refused
            );
            $crate::conformance_suite!(@exclusive_borrowed_unix $backend;
                closed_dup_unregistered_then_number_reused
                closed_dup_then_same_file_at_the_same_number
                closed_dup_modified
                stale_registrations_never_crowd_out_live_ones
                a_used_waker_stays_quiet_through_a_rebuild
            );
            $(
                // Takes `FdLock::exclusive` itself. Unix: it raises `RLIMIT_NOFILE` and uses
                // `socketpair(2)`; Windows has `windows_many_sockets_in_one_select`.
                #[cfg(unix)]
                #[test]
                fn $exclusive() {
                    $crate::conformance::$exclusive::<$backend>();
                }
            )*
            #[cfg(windows)]
            $crate::conformance_suite!(@windows $backend);
        }
    };
    (@windows $backend:ty) => {
        // Takes `FdLock::exclusive` itself: 2,048 sockets.
        #[test]
        fn windows_many_sockets_in_one_select() {
            let _only_case = $crate::conformance::FdLock::exclusive();
            $crate::conformance::windows_many_sockets_in_one_select::<$backend>();
        }
        $crate::conformance_suite!(@plain $backend;
            windows_failed_connect_is_reported
            windows_empty_selector_sleeps_for_the_timeout
            windows_bad_input_changes_nothing
            // A case of the reliability suite, which does not run on Windows
            // (docs/reliability.md says why).
            works_after_moving_to_another_thread
        );
        $crate::conformance_suite!(@borrowed $backend;
            windows_a_broken_waker_pair_is_replaced
        );
        // Takes `FdLock::exclusive` itself: Windows reuses a closed socket's value.
        #[test]
        fn windows_socket_closed_behind_the_selectors_back() {
            $crate::conformance::windows_socket_closed_behind_the_selectors_back::<$backend>(
                borrow_raw,
            );
        }
    };
    (@plain $backend:ty; $($case:ident)*) => {
        $(
            #[test]
            fn $case() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::$case::<$backend>();
            }
        )*
    };
    (@viewed $backend:ty; $($case:ident)*) => {
        $(
            #[test]
            fn $case() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::$case::<$backend>($crate::conformance::no_view);
            }
        )*
    };
    (@borrowed_unix $backend:ty; $($case:ident)*) => {
        $(
            #[cfg(unix)]
            #[test]
            fn $case() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::$case::<$backend>(borrow_raw);
            }
        )*
    };
    (@exclusive_borrowed_unix $backend:ty; $($case:ident)*) => {
        $(
            // Takes `FdLock::exclusive` itself: it reuses fd numbers.
            #[cfg(unix)]
            #[test]
            fn $case() {
                $crate::conformance::$case::<$backend>(borrow_raw);
            }
        )*
    };
    (@borrowed $backend:ty; $($case:ident)*) => {
        $(
            #[test]
            fn $case() {
                let _fds = $crate::conformance::FdLock::shared();
                $crate::conformance::$case::<$backend>(borrow_raw);
            }
        )*
    };
}

/// Runs the signal cases for a backend (PEP 475 with real signals): expands to
/// `mod $name { #[test] fn <case>() ... }`. Put it in a test binary of its own: it installs a
/// process-wide `SIGALRM` handler (without `SA_RESTART`), which is what the expansion's
/// `unsafe` block does.
#[macro_export]
macro_rules! signal_suite {
    ($name:ident, $backend:ty) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::__conformance_install_handler_fn!();

            #[test]
            fn signal_during_select_resumes() {
                $crate::conformance::signal_during_select_resumes::<$backend>(install_handler);
            }

            #[test]
            fn signal_with_failing_check_ends_select() {
                $crate::conformance::signal_with_failing_check_ends_select::<$backend>(
                    install_handler,
                );
            }

            #[test]
            fn signal_then_ready_fd_is_reported() {
                $crate::conformance::signal_then_ready_fd_is_reported::<$backend>(install_handler);
            }

            #[test]
            fn wake_from_a_signal_handler() {
                $crate::conformance::wake_from_a_signal_handler::<$backend>(install_handler);
            }

            #[test]
            fn signal_storm_never_ends_select_early() {
                $crate::conformance::signal_storm_never_ends_select_early::<$backend>(
                    install_handler,
                );
            }
        }
    };
}
