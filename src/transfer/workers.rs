//! The worker pool: runs jobs a bounded number at a time and keeps every outcome.
//!
//! Jobs are futures on one runtime (network-bound; disk reads go to the blocking pool
//! in `drive::local`), so "workers" are slots: at most `concurrency` jobs in flight,
//! the next starting as soon as one ends, whatever their sizes. Errors are values: a
//! failed job never cancels the others. Throttling is not decided here: every request
//! goes through the process's one `http::retry::Governor`.

use futures_util::StreamExt as _;

/// Runs `work` on every job, at most `concurrency` at once, and returns the results in
/// the jobs' order.
pub async fn run<J, T, F, Fut>(jobs: Vec<J>, concurrency: usize, work: F) -> Vec<T>
where
    F: Fn(usize, J) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let n = jobs.len();
    let mut results: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut stream = futures_util::stream::iter(jobs.into_iter().enumerate())
        .map(|(i, j)| {
            let fut = work(i, j);
            async move { (i, fut.await) }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((i, r)) = stream.next().await {
        results[i] = Some(r);
    }
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn bounded_concurrency_every_result_in_order() {
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let out = run((0..20u64).collect(), 3, |i, j| {
            let (now, peak) = (now.clone(), peak.clone());
            async move {
                let c = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(c, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20 - j)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                if j % 5 == 0 { Err(i) } else { Ok(j * 2) }
            }
        })
        .await;
        assert_eq!(out.len(), 20);
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        assert_eq!(out[0], Err(0));
        assert_eq!(out[7], Ok(14));
        assert_eq!(out.iter().filter(|r| r.is_err()).count(), 4);
    }
}
