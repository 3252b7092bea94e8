//! Sets `cfg(have_kqueue)` on the targets with kqueue (Apple's systems and the BSDs), and
//! `cfg(have_evfilt_user)` on those of them whose `EVFILT_USER` rustix exposes (Apple's,
//! FreeBSD and DragonFly: NetBSD and OpenBSD use a pipe for the waker), so the crate's code
//! names each list of operating systems once.
//!
//! std only, no dependencies. `cargo xtask tidy` checks these lists against the crate's
//! exported `cfg_*!` macro, which repeats them for other crates: a cfg set here reaches this
//! crate alone.

/// Each cfg this script can set, with the `target_os` values that set it.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "have_kqueue",
        &[
            "macos",
            "ios",
            "tvos",
            "watchos",
            "visionos",
            "freebsd",
            "netbsd",
            "openbsd",
            "dragonfly",
        ],
    ),
    (
        "have_evfilt_user",
        &[
            "macos",
            "ios",
            "tvos",
            "watchos",
            "visionos",
            "freebsd",
            "dragonfly",
        ],
    ),
];

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    for (cfg, systems) in ALIASES {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
        if systems.contains(&os.as_str()) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
