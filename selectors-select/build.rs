//! Sets `cfg(have_select)` on the targets this crate implements select(2) for, and
//! `cfg(fixed_fd_set)` where it uses the C library's fixed-size `fd_set` (rustix has no
//! `select` there), so the crate's code names each list of operating systems once.
//!
//! std only, no dependencies. `cargo xtask tidy` checks these lists against the crate's
//! exported `cfg_*!` macro, which repeats them for other crates: a cfg set here reaches this
//! crate alone.

/// Each cfg this script can set, with the `target_os` values that set it.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "have_select",
        &[
            "linux",
            "android",
            "macos",
            "ios",
            "tvos",
            "watchos",
            "visionos",
            "freebsd",
            "netbsd",
            "openbsd",
            "dragonfly",
            "illumos",
            "solaris",
            "windows",
        ],
    ),
    ("fixed_fd_set", &["illumos", "solaris"]),
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
