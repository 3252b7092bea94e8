//! Sets `cfg(have_<backend>)` for each backend whose operating systems include the target: the
//! targets where `Cargo.toml`'s `[target.'cfg(...)']` tables make the backend's crate a
//! dependency (when its feature is on), so the code knows which backend crates it can name.
//!
//! std only, no dependencies. The lists are the backend crates' own (their `build.rs`); `cargo
//! xtask tidy` checks that this file, those and the target tables of `Cargo.toml` agree. poll
//! needs none: it is `cfg(any(unix, windows))`.

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
    ("have_epoll", &["linux", "android"]),
    ("have_devpoll", &["illumos", "solaris"]),
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
