//! The allocation-free forms really are: on every host backend, `select_into` (once its buffer
//! has grown) and `select_with` make no heap allocation per call, and neither do register and
//! unregister once the selector has held that many registrations. A counting global allocator
//! proves it; the counter is per thread, so tests running in parallel do not disturb it.
//!
//! That register/modify/unregister cost O(1) is shown by the W2 benchmark's N-ratio
//! (`cargo xtask bench`), not by a timing test.
// The thread-local below is already `const`-initialised; nightly clippy still asks for it on
// targets without native thread-locals (rust-clippy#17566).
#![cfg_attr(
    any(target_os = "openbsd", target_os = "solaris"),
    allow(clippy::missing_const_for_thread_local)
)]

use selectors_core::conformance::{Stream, socketpair};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::time::Duration;

use selectors::{Backend, BaseSelector, EVENT_READ, EVENT_WRITE, Events};

/// Counts the allocations made by this thread, then forwards to the system allocator.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the allocator may run while the thread's locals are being torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; counting touches only a const-initialised thread-local
// `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations this thread makes while `f` runs.
fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

const PAIRS: usize = 48;
const ZERO: Option<Duration> = Some(Duration::ZERO);

/// Socketpairs whose first ends are registered for read, every third one readable.
fn pairs() -> Vec<(Stream, Stream)> {
    let pairs: Vec<_> = (0..PAIRS).map(|_| socketpair()).collect();
    for (_, writer) in pairs.iter().step_by(3) {
        (&*writer).write_all(b"x").expect("write");
    }
    pairs
}

fn select_into_and_select_with_allocate_nothing<B: Backend>() {
    let pairs = pairs();
    let readable = PAIRS.div_ceil(3);
    let mut selector = BaseSelector::<B, &Stream, usize>::new().expect("selector");
    for (i, (reader, _)) in pairs.iter().enumerate() {
        selector.register(reader, EVENT_READ, i).expect("register");
    }
    let mut ready = Vec::new();
    // Warm-up: the caller's buffer (and a backend's event buffer) grow to fit.
    assert_eq!(
        selector.select_into(ZERO, &mut ready).expect("select"),
        readable
    );

    let allocations = allocations_during(|| {
        for round in 0..50 {
            let n = selector.select_into(ZERO, &mut ready).expect("select_into");
            assert_eq!(n, readable);
            assert!(ready.iter().all(|&(_, events)| events == EVENT_READ));
            let mut seen = 0;
            let n = selector
                .select_with(ZERO, |key, events| {
                    assert_eq!(key.data() % 3, 0);
                    assert_eq!(events, EVENT_READ);
                    seen += 1;
                })
                .expect("select_with");
            assert_eq!((n, seen), (readable, readable));
            if round % 10 == 0 {
                // A positive timeout takes the deadline path; something is ready at once.
                let timeout = Some(Duration::from_micros(1_500));
                assert_eq!(
                    selector.select_into(timeout, &mut ready).expect("select"),
                    readable
                );
            }
        }
    });
    assert_eq!(allocations, 0, "{} allocated", selector.backend_name());

    // The counter sees this thread's allocations: the `Vec` form allocates its result.
    let allocations = allocations_during(|| {
        assert_eq!(selector.select(ZERO).expect("select").len(), readable);
    });
    assert!(allocations >= 1, "the counting allocator counts");
}

fn steady_churn_allocates_nothing<B: Backend>() {
    let pairs = pairs();
    let mut selector = BaseSelector::<B, &Stream, usize>::new().expect("selector");
    for (i, (reader, _)) in pairs.iter().enumerate() {
        selector.register(reader, EVENT_READ, i).expect("register");
    }
    let mut ready = Vec::new();
    selector.select_into(ZERO, &mut ready).expect("select");

    let allocations = allocations_during(|| {
        for _ in 0..20 {
            for (i, (reader, _)) in pairs.iter().enumerate() {
                let key = selector.unregister(reader).expect("unregister");
                assert_eq!(*key.data(), i);
                selector.register(reader, EVENT_READ, i).expect("register");
                selector
                    .modify(reader, EVENT_READ | EVENT_WRITE, i)
                    .expect("modify");
                selector.modify(reader, EVENT_READ, i).expect("modify");
            }
            selector.select_into(ZERO, &mut ready).expect("select_into");
            assert_eq!(ready.len(), PAIRS.div_ceil(3));
            assert!(ready.iter().all(|&(_, events)| events == Events::READ));
        }
    });
    assert_eq!(allocations, 0, "{} allocated", selector.backend_name());
}

macro_rules! backend_tests {
    ($name:ident, $backend:ty, $cfg:meta) => {
        #[cfg($cfg)]
        mod $name {
            #[test]
            fn select_into_and_select_with_allocate_nothing() {
                super::select_into_and_select_with_allocate_nothing::<$backend>();
            }

            #[test]
            fn steady_churn_allocates_nothing() {
                super::steady_churn_allocates_nothing::<$backend>();
            }
        }
    };
}

backend_tests!(
    select,
    selectors::SelectBackend,
    all(feature = "select", have_select)
);
backend_tests!(
    poll,
    selectors::PollBackend,
    all(feature = "poll", any(unix, windows))
);
backend_tests!(
    epoll,
    selectors::EpollBackend,
    all(feature = "epoll", have_epoll)
);
