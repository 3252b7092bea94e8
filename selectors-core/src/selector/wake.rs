//! The selector's waker: created on first use, registered under `Token::WAKER` (or the
//! backend's own mechanism), closed with the selector.

use std::sync::Arc;

use rustix::fd::{AsFd, RawFd};

use super::BaseSelector;
use crate::waker::WakerShared;
use crate::{Backend, Events, FdWaker, Result, Token, WakeSource, Waker};

/// The selector's side of its [`Waker`]s, once one was asked for; dropping it (with the
/// selector) makes every waker's `wake` an error.
#[derive(Debug, Default)]
pub(super) struct WakerSlot(pub(super) Option<Arc<WakerShared>>);

impl Drop for WakerSlot {
    fn drop(&mut self) {
        if let Some(shared) = &self.0 {
            shared.close();
        }
    }
}

impl<B: Backend, F: AsFd, T> BaseSelector<B, F, T> {
    /// A [`Waker`] that makes this selector's blocked `select` return, from any thread.
    ///
    /// The first call creates the mechanism (an `eventfd` on Linux and Android, `EVFILT_USER`
    /// on kqueue systems that have it, a pipe on other Unix systems, a loopback TCP socket
    /// pair on Windows; close-on-exec, non-blocking) and registers it; later calls hand out clones. Until then `select` makes no extra system
    /// call and no allocation. The waker's fd is never reported, is not in
    /// [`get_map`](Self::get_map) or [`len`](Self::len), and cannot be registered (it is
    /// [`Error::AlreadyRegistered`](crate::Error::AlreadyRegistered)) or unregistered.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::unix::net::UnixStream;
    /// use std::time::{Duration, Instant};
    /// use selectors_poll::PollSelector;
    ///
    /// let mut selector = PollSelector::<UnixStream>::new()?;
    /// let waker = selector.waker()?;
    /// let start = Instant::now();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(Duration::from_millis(50));
    ///     waker.wake().unwrap();
    /// });
    /// assert!(selector.select(None)?.is_empty()); // woken, with nothing ready
    /// assert!(start.elapsed() < Duration::from_secs(5));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Os`](crate::Error::Os) when the mechanism cannot be created or registered (`EMFILE`, ...).
    #[doc(alias("notify", "self_pipe"))]
    pub fn waker(&mut self) -> Result<Waker> {
        if let Some(shared) = &self.waker.0 {
            return Ok(Waker::new(Arc::clone(shared)));
        }
        let source: Arc<dyn WakeSource> = match self.backend.waker() {
            Some(native) => native?,
            None => {
                let source = FdWaker::new()?;
                let backend = &mut self.backend;
                source.lend_fd(&mut |fd| backend.add(fd, Token::WAKER, Events::READ))?;
                Arc::new(source)
            }
        };
        let shared = WakerShared::new(source);
        self.waker.0 = Some(Arc::clone(&shared));
        Ok(Waker::new(shared))
    }

    /// The fd the waker's mechanism is registered under, if it has one.
    #[inline]
    pub(super) fn waker_fd(&self) -> Option<RawFd> {
        self.waker.0.as_ref().and_then(|shared| shared.fd())
    }
}
