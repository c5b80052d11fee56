//! The timer behind HTTP/1.1's header read timeout, one per connection.
//!
//! hyper starts the header read timeout for every request head and drops it
//! once the head is in: with its stock tokio timer that is a timer created,
//! registered in tokio's timer wheel and taken out again per request (about
//! 2 % of a `tools/call`'s CPU, `perf`, with a clock reading of its own).
//! Here each connection keeps one tokio timer and lends it to each head's
//! timeout in turn. A timeout whose deadline is later than the timer's
//! leaves the timer as it is: when the timer fires early, the timeout sees
//! its own deadline has not come and sets the timer again. So a busy
//! connection's timer fires about once per timeout period instead of being
//! set and cleared per request, and a stalled head is still cut off at its
//! deadline.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
    time::Duration,
};

use tokio::time::{Instant, Sleep};

/// One connection's timer (give each connection its own: see the module
/// docs).
#[derive(Clone, Default)]
pub struct HeadTimer {
    /// The timer not lent out right now; it may still be set, and then
    /// wakes the connection once, harmlessly, when it fires.
    spare: Arc<Mutex<Option<Pin<Box<Sleep>>>>>,
}

impl hyper::rt::Timer for HeadTimer {
    /// tokio's clock, as the timer's (the same clock, but for tests that
    /// pause it).
    fn now(&self) -> std::time::Instant {
        Instant::now().into_std()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let timer = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Box::pin(Deadline {
            deadline: deadline.into(),
            timer,
            home: Arc::clone(&self.spare),
        })
    }
}

/// One head's timeout, on the connection's borrowed timer.
struct Deadline {
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
    home: Arc<Mutex<Option<Pin<Box<Sleep>>>>>,
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let deadline = this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        // Never later than this deadline.
        if timer.deadline() > deadline {
            timer.as_mut().reset(deadline);
        }
        loop {
            match timer.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if Instant::now() >= deadline => return Poll::Ready(()),
                // Set for an earlier head: not this one's time yet.
                Poll::Ready(()) => timer.as_mut().reset(deadline),
            }
        }
    }
}

impl hyper::rt::Sleep for Deadline {}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(timer) = self.timer.take() {
            let mut spare = self.home.lock().unwrap_or_else(PoisonError::into_inner);
            if spare.is_none() {
                *spare = Some(timer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hyper::rt::Timer;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_timeout_ends_at_its_own_deadline_on_a_timer_set_for_an_earlier_one() {
        let timer = HeadTimer::default();
        let start = Instant::now();
        // The first head's timeout sets the timer for start + 10 s, then the
        // head arrives and the timer goes back, still set.
        let mut first = timer.sleep(Duration::from_secs(10));
        assert!(futures_util::poll!(first.as_mut()).is_pending());
        drop(first);
        tokio::time::advance(Duration::from_secs(4)).await;
        // The next head starts at 4 s: its deadline is 14 s.
        let second = timer.sleep(Duration::from_secs(10));
        second.await;
        assert_eq!(Instant::now() - start, Duration::from_secs(14));
    }

    #[tokio::test(start_paused = true)]
    async fn a_shorter_timeout_pulls_a_later_timer_in() {
        let timer = HeadTimer::default();
        let start = Instant::now();
        let mut long = timer.sleep(Duration::from_secs(60));
        assert!(futures_util::poll!(long.as_mut()).is_pending());
        drop(long);
        timer.sleep(Duration::from_secs(2)).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn timeouts_alive_at_once_each_keep_their_deadline() {
        let timer = HeadTimer::default();
        let start = Instant::now();
        let (a, b) = (
            timer.sleep(Duration::from_secs(3)),
            timer.sleep(Duration::from_secs(5)),
        );
        a.await;
        assert_eq!(Instant::now() - start, Duration::from_secs(3));
        b.await;
        assert_eq!(Instant::now() - start, Duration::from_secs(5));
    }
}
