//! Batching of lookups by id: every key asked for while one resolution pass runs — the items of a
//! list and all their fields are polled together — is loaded with one call.
//!
//! A caller adds its keys to the open batch and yields once, so that its siblings add theirs;
//! whichever caller resumes first closes the batch and loads it, the others await that load.
//! Batches are not cached: a later pass (or a later operation on the same WebSocket) reads afresh.
//! async-graphql's own DataLoader would do the same but brings in `lru` 0.16
//! (RUSTSEC-2026-0253), so it stays out.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::Error;

type Loaded<V> = Result<HashMap<String, V>, Arc<Error>>;

/// One batch: its keys and, once loaded, what was found.
struct Batch<V> {
    keys: Mutex<Vec<String>>,
    result: OnceCell<Loaded<V>>,
}

/// Batches the loads of one kind of record.
pub struct Batcher<V> {
    open: Mutex<Option<Arc<Batch<V>>>>,
}

impl<V> Default for Batcher<V> {
    fn default() -> Self {
        Batcher {
            open: Mutex::new(None),
        }
    }
}

impl<V: Clone + Send + Sync> Batcher<V> {
    /// The records found for `keys` (absent keys are missing from the map), loaded together with
    /// every other key asked for in the same pass by `fetch`.
    pub async fn load<F, Fut>(&self, keys: &[String], fetch: F) -> Loaded<V>
    where
        F: FnOnce(Vec<String>) -> Fut,
        Fut: Future<Output = Result<HashMap<String, V>, Error>>,
    {
        let batch = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            let batch = open
                .get_or_insert_with(|| {
                    Arc::new(Batch {
                        keys: Mutex::new(Vec::new()),
                        result: OnceCell::new(),
                    })
                })
                .clone();
            batch
                .keys
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(keys.iter().cloned());
            batch
        };
        // Let the siblings polled in this pass add their keys.
        tokio::task::yield_now().await;
        let loaded = batch
            .result
            .get_or_init(|| async {
                {
                    let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
                    if open.as_ref().is_some_and(|b| Arc::ptr_eq(b, &batch)) {
                        *open = None;
                    }
                }
                let mut all =
                    std::mem::take(&mut *batch.keys.lock().unwrap_or_else(|e| e.into_inner()));
                all.sort();
                all.dedup();
                fetch(all).await.map_err(Arc::new)
            })
            .await;
        match loaded {
            Ok(found) => Ok(keys
                .iter()
                .filter_map(|k| found.get(k).map(|v| (k.clone(), v.clone())))
                .collect()),
            Err(e) => Err(e.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn keys_asked_for_together_are_loaded_once() {
        let batcher = Batcher::<usize>::default();
        let calls = AtomicUsize::new(0);
        let fetch = |keys: Vec<String>| {
            calls.fetch_add(1, Ordering::Relaxed);
            async move { Ok(keys.into_iter().map(|k| (k.clone(), k.len())).collect()) }
        };
        let keys: Vec<Vec<String>> = (0..50).map(|i| vec![format!("k{}", i % 7)]).collect();
        let results = futures::future::join_all(keys.iter().map(|k| batcher.load(k, fetch))).await;
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert!(results.iter().all(|r| r.as_ref().unwrap().len() == 1));
        // A later pass loads afresh.
        batcher.load(&["x".to_owned()], fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }
}
