//! Each tidy rule, on small sources: what it accepts and what it reports.

use super::*;

fn errors(path: &str, source: &str) -> Vec<String> {
    let mut report = Report::default();
    check_source(Path::new(path), source, &mut report);
    report.errors
}

#[test]
fn a_file_must_start_with_a_module_doc() {
    assert_eq!(
        errors("xtask/src/a.rs", "//! A.\nfn a() {}\n"),
        Vec::<String>::new()
    );
    let found = errors("xtask/src/a.rs", "/// An item doc.\nfn a() {}\n");
    assert_eq!(
        found,
        ["xtask/src/a.rs:1: does not start with a `//!` comment saying what it is"]
    );
}

#[test]
fn unsafe_is_confined_to_sys_in_crate_sources() {
    let source = "//! S.\n// SAFETY: the fd is open.\nlet x = unsafe { f() };\n";
    assert!(errors("selectors-epoll/src/sys.rs", source).is_empty());
    assert!(errors("selectors-kqueue/src/sys/emulated.rs", source).is_empty());
    assert!(errors("selectors-epoll/tests/conformance.rs", source).is_empty());
    let found = errors("selectors-epoll/src/epoll.rs", source);
    assert_eq!(
        found,
        ["selectors-epoll/src/epoll.rs:3: `unsafe` outside a `sys.rs` file or `sys/` directory"]
    );
    // Prose, strings and lint names are not code.
    let prose = "//! No unsafe here.\n#![forbid(unsafe_code)]\nconst S: &str = \"unsafe {\";\n";
    assert!(errors("selectors/src/lib.rs", prose).is_empty());
}

#[test]
fn every_unsafe_block_needs_a_safety_comment_right_above() {
    let ok = [
        "//! S.\n// SAFETY: a.\nunsafe { a() }\n",
        "//! S.\n// SAFETY: a,\n// and b.\n#[allow(x)]\nlet n = unsafe { a() };\n",
        "//! S.\n// SAFETY: covers the argument.\nlet n = call(\n    fd,\n    unsafe { a() },\n);\n",
        "//! S.\n// SAFETY: Send is sound.\nunsafe impl Send for X {}\n",
        "//! S.\npub(crate) unsafe fn f() {}\n",
    ];
    for source in ok {
        assert!(errors("x/sys.rs", source).is_empty(), "{source}");
    }
    let missing = [
        "//! S.\nunsafe { a() }\n",
        "//! S.\n// SAFETY: a.\n\nunsafe { a() }\n",
        "//! S.\n// SAFETY: a.\nlet x = unsafe { a() };\nlet y = unsafe { b() };\n",
        "//! S.\n// SAFETY: far.\na();\nb();\nc();\nd();\nunsafe { a() }\n",
        "//! S.\n// Safety: wrong spelling.\nunsafe impl Sync for X {}\n",
    ];
    for source in missing {
        let found = errors("x/sys.rs", source);
        assert_eq!(found.len(), 1, "{source}: {found:?}");
        assert!(found[0].contains("without a `// SAFETY:`"), "{found:?}");
    }
}

#[test]
fn placeholders_and_ignored_tests_are_refused() {
    let source = "//! T.\n#[test]\n#[ignore]\nfn t() {\n    todo!();\n    unimplemented!()\n}\n";
    let found = errors("selectors-core/tests/t.rs", source);
    assert_eq!(
        found,
        [
            "selectors-core/tests/t.rs:3: `#[ignore` in code",
            "selectors-core/tests/t.rs:5: `todo!(` in code",
            "selectors-core/tests/t.rs:6: `unimplemented!(` in code",
        ]
    );
    assert!(
        errors(
            "a.rs",
            "//! T.\n// todo!( in a comment\nlet s = \"#[ignore]\";\n"
        )
        .is_empty()
    );
}

#[test]
fn a_module_file_is_declared_outside_macros() {
    let hidden = [
        ("//! M.\ncfg_x! {\n    mod a;\n}\n", 3),
        ("//! M.\ncfg_x!(\n    pub(crate) mod a;\n);\n", 3),
        (
            "//! M.\nmacro_rules! m {\n    ($m:ident) => {\n        mod $m;\n    };\n}\n",
            4,
        ),
    ];
    for (source, line) in hidden {
        assert_eq!(
            errors("selectors/src/lib.rs", source),
            [format!(
                "selectors/src/lib.rs:{line}: `mod` declaration inside a macro: rustfmt never \
                 formats the file it names"
            )],
            "{source}"
        );
    }
    let visible = [
        "//! M.\n#[cfg(unix)]\nmod a;\ncfg_x! {\n    pub use a::A;\n}\n",
        // Inline modules name no file; attributes and arrays are not macro calls.
        "//! M.\ncfg_x! {\n    pub mod a {\n        pub use b::*;\n    }\n}\n",
        "//! M.\n#[cfg(any(unix))]\nmod a;\nconst X: [u8; 1] = [0];\nmod b;\n",
        "//! M.\n// cfg_x! { mod a; }\nconst S: &str = \"m! { mod a; }\";\n",
        "//! M.\nif a != b { mod_count(); }\nmod c;\n",
    ];
    for source in visible {
        assert!(
            errors("selectors/src/lib.rs", source).is_empty(),
            "{source}"
        );
    }
}

#[test]
fn file_size_budget() {
    let mut report = Report::default();
    let body = |n| format!("//! F.\n{}", "x();\n".repeat(n - 1));
    check_source(Path::new("ok.rs"), &body(WARN_LINES), &mut report);
    assert!(report.errors.is_empty() && report.warnings.is_empty());
    check_source(Path::new("big.rs"), &body(WARN_LINES + 1), &mut report);
    assert!(report.errors.is_empty());
    assert_eq!(
        report.warnings,
        ["big.rs: 401 lines, over the 400-line budget"]
    );
    check_source(Path::new("huge.rs"), &body(MAX_LINES + 1), &mut report);
    assert_eq!(
        report.errors,
        ["huge.rs: 601 lines, over the 600-line limit: split it"]
    );
}

#[test]
fn manifests() {
    let root = "[workspace]\nmembers = [\n    \"selectors-core\",\n    \"xtask\",\n]\ndefault-members = [\"x\"]\n";
    assert_eq!(
        workspace_members(root).unwrap(),
        ["selectors-core", "xtask"]
    );
    assert!(workspace_members("[workspace]\nmembers = [\"crates/*\"]\n").is_err());

    assert!(has_workspace_lints(
        "[package]\nname = \"a\"\n\n[lints]\nworkspace = true\n"
    ));
    assert!(has_workspace_lints("[package]\nlints.workspace = true\n"));
    assert!(!has_workspace_lints(
        "[lints]\n# workspace = true\n[x]\nworkspace = true\n"
    ));
    assert!(!has_workspace_lints("[package]\nname = \"a\"\n"));

    assert!(runs_conformance("selectors-kqueue") && runs_conformance("selectors"));
    assert!(!runs_conformance("selectors-core") && !runs_conformance("xtask"));
    assert!(calls_suite(
        "//! C.\nselectors_core::conformance_suite!(epoll, EpollSelector);\n"
    ));
    assert!(!calls_suite(
        "//! C.\n// conformance_suite!(epoll, EpollSelector);\n"
    ));
}

#[test]
fn words_and_paths() {
    assert_eq!(find_word("unsafe_code unsafe", "unsafe"), Some(12));
    assert_eq!(find_word("is_unsafe()", "unsafe"), None);
    assert!(is_crate_src(Path::new("selectors-poll/src/poll.rs")));
    assert!(is_crate_src(Path::new("selectors/src/lib.rs")));
    assert!(!is_crate_src(Path::new("selectors/tests/t.rs")));
    assert!(!is_crate_src(Path::new("xtask/src/main.rs")));
}

#[test]
fn os_lists_are_read_from_build_scripts_macros_and_manifests() {
    let build = r#"//! B.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "have_x",
        &[
            "linux",
            "macos",
        ],
    ),
    ("fixed", &["solaris"]),
];
fn main() {}
"#;
    let aliases = os_lists::build_aliases(build);
    assert_eq!(aliases["have_x"], ["linux", "macos"]);
    assert_eq!(aliases["fixed"], ["solaris"]);

    let lib = r#"macro_rules! cfg_x {
    (@os [$($os:literal),* $(,)?] $item:item) => {};
    ($($item:item)*) => {
        $crate::cfg_x! {
            @os [
                "linux",
                "macos",
            ]
            $($item)*
        }
    };
}
"#;
    assert_eq!(
        os_lists::macro_list(lib, "cfg_x").unwrap(),
        ["linux", "macos"]
    );
    let unix_only = "macro_rules! cfg_poll {\n    ($($item:item)*) => {};\n}\n";
    assert_eq!(os_lists::macro_list(unix_only, "cfg_poll"), None);

    let manifest = r#"[dependencies]
a = "1"

[target.'cfg(any(target_os = "linux", target_os = "macos"))'.dependencies]
# A comment.
selectors-x = { workspace = true }

[target.'cfg(unix)'.dependencies]
selectors-poll = { workspace = true }
"#;
    let tables = os_lists::target_tables(manifest);
    assert_eq!(tables["selectors-x"], ["linux", "macos"]);
    assert_eq!(tables.len(), 1, "{tables:?}");
}

#[test]
fn package_fields() {
    let manifest =
        "[package]\nname = \"a\"\nreadme = \"README.md\"\n\n[dependencies]\nreadme = \"x\"\n";
    assert_eq!(
        packages::package_value(manifest, "readme").as_deref(),
        Some("README.md")
    );
    assert_eq!(packages::package_value(manifest, "description"), None);
    assert!(packages::is_published(manifest));
    assert!(!packages::is_published(
        "[package]\nname = \"xtask\"\npublish = false\n"
    ));
}
