//! A latency histogram of relaxed atomics.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeMetric, MetricEncoder, NoLabelSet},
    metrics::{MetricType, TypedMetric},
};

/// Upper bounds of the latency buckets, in seconds.
pub(super) const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

/// A latency histogram of relaxed atomics: observing never takes a lock.
/// The sum is kept in whole nanoseconds so it is a plain `fetch_add`.
#[derive(Debug, Clone, Default)]
pub struct AtomicHistogram {
    inner: Arc<HistogramInner>,
}

#[derive(Debug, Default)]
struct HistogramInner {
    /// Per bucket, not cumulative; the last one is `+Inf`.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl AtomicHistogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|upper| seconds <= *upper)
            .unwrap_or(BUCKETS.len());
        let inner = &self.inner;
        inner.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        inner.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        inner.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.inner.count.load(Ordering::Relaxed)
    }
}

impl TypedMetric for AtomicHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for AtomicHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let inner = &self.inner;
        let buckets: Vec<(f64, u64)> = BUCKETS
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(inner.buckets.iter().map(|b| b.load(Ordering::Relaxed)))
            .collect();
        // A scrape racing an observation may see the count one ahead of a
        // bucket; Prometheus tolerates that, and no lock is worth avoiding it.
        let count = inner.count.load(Ordering::Relaxed);
        let sum = inner.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_buckets_and_sums_observations() {
        let histogram = AtomicHistogram::default();
        histogram.observe(Duration::from_micros(50));
        histogram.observe(Duration::from_millis(3));
        histogram.observe(Duration::from_secs(60));
        assert_eq!(histogram.count(), 3);
        let inner = &histogram.inner;
        assert_eq!(inner.buckets[0].load(Ordering::Relaxed), 1);
        assert_eq!(inner.buckets[5].load(Ordering::Relaxed), 1);
        assert_eq!(inner.buckets[BUCKETS.len()].load(Ordering::Relaxed), 1);
        assert_eq!(inner.sum_nanos.load(Ordering::Relaxed), 60_003_050_000);
    }
}
