//! `flavour_cases!`: the generic cases of a test binary as `#[test]`s, once per flavour of
//! the emulated kqueue, in modules `freebsd` and `xnu`.

/// `flavour_cases!(case, #[cfg(...)] other_case, ...)`: for each `case`, a `#[test]` calling
/// `case::<FreeBsd>()` in `mod freebsd` and `case::<Xnu>()` in `mod xnu`; attributes written
/// before a case go on both of its tests.
macro_rules! flavour_cases {
    ($($(#[$attr:meta])* $case:ident),+ $(,)?) => {
        flavour_cases!(@module freebsd, selectors_kqueue::FreeBsd, $($(#[$attr])* $case),+);
        flavour_cases!(@module xnu, selectors_kqueue::Xnu, $($(#[$attr])* $case),+);
    };
    (@module $module:ident, $flavour:ty, $($(#[$attr:meta])* $case:ident),+) => {
        mod $module {
            $(
                $(#[$attr])*
                #[test]
                fn $case() {
                    super::$case::<$flavour>();
                }
            )+
        }
    };
}
