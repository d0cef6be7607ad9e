//! Waiting for AWS to finish what it does asynchronously.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Polls `check` until it says done: 200 ms, growing by half up to 10 s,
/// for at most 30 minutes.
pub(crate) async fn poll<F, Fut>(what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let start = Instant::now();
    let mut wait = Duration::from_millis(200);
    loop {
        if check().await? {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(1800) {
            return Err(Error::Invalid(format!("timed out waiting for {what}")));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 3 / 2).min(Duration::from_secs(10));
    }
}
