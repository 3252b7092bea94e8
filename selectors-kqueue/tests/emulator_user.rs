//! The emulated kqueue's `EVFILT_USER` against kqueue(2): "Establishes a user event
//! identified by ident which is not associated with any kernel mechanism but is triggered by
//! user level code"; `NOTE_TRIGGER` fires it; `EV_CLEAR` resets it once returned. Every case
//! runs in both flavours.
#![cfg(unix)]

#[path = "support/emulator.rs"]
mod support;
#[macro_use]
#[path = "support/flavour_cases.rs"]
mod flavour_cases;

use std::thread;
use std::time::{Duration, Instant};

use rustix::event::Timespec;
use rustix::io::Errno;
use selectors_kqueue::{
    EV_ADD, EV_CLEAR, EV_DELETE, EV_RECEIPT, EVFILT_USER, Flavour, Kevent, KqueueSys, NOTE_TRIGGER,
};
use support::{call, call_timeout, errno, kq, raw, serial};

fn user(flags: u16, fflags: u32) -> Kevent {
    Kevent {
        ident: 7,
        filter: EVFILT_USER,
        flags,
        fflags,
        ..Kevent::default()
    }
}

fn a_user_event_fires_on_note_trigger_and_clears<F: Flavour>() {
    let _serial = serial();
    let mut kq = kq::<F>();
    call(&mut kq, &[user(EV_ADD | EV_CLEAR, 0)], 0).unwrap();
    assert!(
        call(&mut kq, &[], 2).unwrap().is_empty(),
        "not triggered yet"
    );
    call(&mut kq, &[user(0, NOTE_TRIGGER)], 0).unwrap();
    let events = call(&mut kq, &[], 2).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].ident, events[0].filter), (7, EVFILT_USER));
    assert!(
        call(&mut kq, &[], 2).unwrap().is_empty(),
        "EV_CLEAR reset it"
    );
    call(&mut kq, &[user(EV_DELETE, 0)], 0).unwrap();
    let err = call(&mut kq, &[user(0, NOTE_TRIGGER)], 0).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(Errno::NOENT.raw_os_error()));
    let receipt = call(&mut kq, &[user(EV_RECEIPT, NOTE_TRIGGER)], 1).unwrap();
    assert_eq!(errno(&receipt[0]), raw(Errno::NOENT), "deleted");
}

fn a_trigger_from_another_thread_ends_a_blocked_wait<F: Flavour>() {
    let _serial = serial();
    let mut kq = kq::<F>();
    let trigger = kq
        .user_waker()
        .expect("the emulation has EVFILT_USER")
        .unwrap();
    let waking = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        trigger.wake().unwrap();
    });
    let start = Instant::now();
    let forever = Timespec {
        tv_sec: 10,
        tv_nsec: 0,
    };
    let events = call_timeout(&mut kq, &[], 2, Some(&forever)).unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].filter, EVFILT_USER);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    waking.join().unwrap();
    assert!(call(&mut kq, &[], 2).unwrap().is_empty());
}

flavour_cases!(
    a_user_event_fires_on_note_trigger_and_clears,
    a_trigger_from_another_thread_ends_a_blocked_wait,
);
