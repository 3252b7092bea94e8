//! `modify` and `modify_events`: Python's rules for changing a registration, and the key
//! handed back when the kernel refuses.

use rustix::fd::AsFd;

use super::{BaseSelector, registered};
use crate::map::Slot;
use crate::{Backend, Error, Events, ModifyError, SelectorKey, Target};

impl<B: Backend, F: AsFd, T> BaseSelector<B, F, T> {
    /// Changes the events and data of `target`, and returns the updated key.
    ///
    /// The kernel is asked only when the events change; new data alone makes no system call
    /// (to change only the events, keeping the data, use
    /// [`modify_events`](Self::modify_events); to change the data in place,
    /// [`data_mut`](Self::data_mut)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use selectors_poll::{PollSelector, EVENT_READ, EVENT_WRITE};
    ///
    /// let mut selector = PollSelector::<UnixStream, &str>::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// let fd = a.as_raw_fd();
    /// selector.register(a, EVENT_READ, "reading")?;
    /// let key = selector.modify(fd, EVENT_WRITE, "writing")?;
    /// assert_eq!((key.events(), *key.data()), (EVENT_WRITE, "writing"));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidEvents`], [`Error::InvalidFd`] and [`Error::NotRegistered`] change
    /// nothing. [`Error::Os`] means the kernel refused the change: its state for the fd is
    /// then unknown, so the registration is removed from the kernel **and** the map, and the
    /// key (with its file object and old data) comes back in
    /// [`ModifyError::unregistered`]. CPython removes it from the map only and can leave a
    /// live kernel registration behind (bpo-30014).
    #[inline]
    pub fn modify(
        &mut self,
        target: impl Target,
        events: Events,
        data: T,
    ) -> Result<&SelectorKey<F, T>, ModifyError<F, T>> {
        let slot = self.change_events(target, events)?;
        let key = self.map.at_mut(slot);
        key.data = data;
        Ok(key)
    }

    /// Changes the events of `target`, keeping its data, and returns the updated key: the
    /// usual switch of a connection between reading and writing.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use selectors_poll::{PollSelector, EVENT_READ, EVENT_WRITE};
    ///
    /// let mut selector = PollSelector::<UnixStream, Vec<u8>>::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// let fd = a.as_raw_fd();
    /// selector.register(a, EVENT_READ, b"pending output".to_vec())?;
    /// let key = selector.modify_events(fd, EVENT_WRITE)?;
    /// assert_eq!((key.events(), key.data().len()), (EVENT_WRITE, 14));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As for [`modify`](Self::modify).
    #[inline]
    pub fn modify_events(
        &mut self,
        target: impl Target,
        events: Events,
    ) -> Result<&SelectorKey<F, T>, ModifyError<F, T>> {
        let slot = self.change_events(target, events)?;
        Ok(self.map.at(slot))
    }

    /// Validates `events`, finds `target`, and asks the kernel if the events change; on a
    /// kernel refusal removes the registration and hands the key back.
    #[inline]
    fn change_events(
        &mut self,
        target: impl Target,
        events: Events,
    ) -> Result<Slot, ModifyError<F, T>> {
        if !events.is_valid_mask() {
            return Err(ModifyError::new(Error::invalid_events(events)));
        }
        let slot = registered(&self.map, target.target_fd()).map_err(ModifyError::new)?;
        let key = self.map.at(slot);
        let (fd, old) = (key.fd, key.events);
        if old != events {
            let token = self.map.token_at(slot);
            if let Err(err) = self.backend.modify(fd, token, old, events) {
                let _ignored = self.backend.delete(fd, token, old);
                let key = self.map.remove_at(slot);
                return Err(ModifyError::with_key(Error::Os(err), key));
            }
            self.map.at_mut(slot).events = events;
        }
        Ok(slot)
    }
}
