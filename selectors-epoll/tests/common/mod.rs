//! The millisecond-timeout epoll backend, so the suites run on that path too (kernels before
//! 5.11 have no `epoll_pwait2`).

pub(crate) use selectors_epoll::EpollMillisBackend as EpollMillis;
