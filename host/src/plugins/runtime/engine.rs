//! The process-wide engine (pooling allocator, epoch ticker, linker) and the state each call's
//! store owns (an empty WASI context with deterministic clocks and randomness, the memory
//! limiter, captured stderr and logs).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::sync::Semaphore;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::RuntimeConfig;
use super::call::LogRecord;
use crate::plugins::contract::report::ReportData;

/// Bytes of guest stderr kept per call (enough for a panic message and its location).
pub(super) const STDERR_CAPACITY: usize = 16 * 1024;

/// Linear memory per pool slot whose dirtied pages are reset in place (rather than released
/// to the kernel) after a call: the heap a typical call touches.
const KEEP_RESIDENT_BYTES: usize = 2 << 20;

/// The same for a slot's tables (function tables of a Rust guest are a few KiB).
const KEEP_RESIDENT_TABLE_BYTES: usize = 64 << 10;

/// What every clone of a `Runtime` shares.
pub(crate) struct Shared {
    pub(super) engine: Engine,
    pub(super) linker: Linker<State>,
    pub(super) cfg: RuntimeConfig,
    /// One permit per pool slot: callers wait here instead of failing on a full pool.
    pub(super) slots: Arc<Semaphore>,
    /// Advances the epoch while calls run.
    ticker: Ticker,
}

impl Shared {
    pub(super) fn new(cfg: RuntimeConfig) -> anyhow::Result<Shared> {
        anyhow::ensure!(
            cfg.max_concurrent_calls > 0,
            "max_concurrent_calls must be positive"
        );
        anyhow::ensure!(!cfg.epoch_tick.is_zero(), "epoch_tick must be positive");
        let slots = cfg.max_concurrent_calls;
        let max_memory =
            usize::try_from(cfg.max_memory_bytes).context("max_memory_bytes is too large")?;

        // A call runs on a slot another call has just left. Resetting the slot with `madvise`
        // makes the next call fault every page it touches back in; where the kernel can say
        // which pages the call dirtied (PAGEMAP_SCAN, Linux 6.7+), those are reset in place
        // instead. Without it, resetting in place would mean a `memset` of the whole resident
        // region per call, which costs more than the faults: then keep nothing resident.
        let engine = Engine::new(&engine_config(slots, max_memory, true))
            .or_else(|e| {
                tracing::info!(reason = %e, "plugin pool slots keep no memory resident");
                Engine::new(&engine_config(slots, max_memory, false))
            })
            .map_err(anyhow::Error::from)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        super::bindings::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;

        let ticker = Ticker::spawn(&engine, cfg.epoch_tick)?;
        Ok(Shared {
            engine,
            linker,
            slots: Arc::new(Semaphore::new(slots as usize)),
            cfg,
            ticker,
        })
    }

    /// Keeps the epoch advancing until the returned guard is dropped: hold it for the whole
    /// call, instantiation included, or the call's deadline is never checked.
    pub(super) fn ticking(&self) -> Ticking {
        self.ticker.start()
    }
}

/// The engine's configuration: a pool of `slots` instances of at most `max_memory` bytes
/// each, epochs for deadlines; with `keep_resident`, slots are reset page by page as
/// PAGEMAP_SCAN finds them dirty (an engine with this configuration fails to build where the
/// kernel lacks it).
fn engine_config(slots: u32, max_memory: usize, keep_resident: bool) -> Config {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(slots)
        // A Rust wasm32-wasip2 guest is a handful of core instances around one memory.
        .max_core_instances_per_component(20)
        .total_core_instances(slots * 20)
        .max_memories_per_component(2)
        .total_memories(slots * 2)
        .max_tables_per_component(20)
        .total_tables(slots * 20)
        .total_stacks(slots)
        .max_memory_size(max_memory);
    if keep_resident {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(KEEP_RESIDENT_TABLE_BYTES);
    }
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// A thread that advances the engine's epoch every `tick` while calls run, and parks after a
/// second without any (waking once a second to notice the engine is gone), so an idle server is
/// not woken a hundred times a second while back-to-back calls never pay for a wake-up. A
/// thread rather than a tokio task: the runtime may be built outside tokio (benches, CLI) and
/// the tick must keep coming while every worker runs guest code.
struct Ticker {
    /// Calls running now.
    calls: Arc<AtomicUsize>,
    /// Set by the thread just before it parks.
    parked: Arc<AtomicBool>,
    thread: std::thread::Thread,
}

/// Idle ticks after which the ticker parks.
const PARK_AFTER_IDLE_TICKS: u32 = 100;

/// While held, the epoch advances (see [`Shared::ticking`]).
pub(super) struct Ticking(Arc<AtomicUsize>);

impl Drop for Ticking {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Ticker {
    fn spawn(engine: &Engine, tick: Duration) -> anyhow::Result<Ticker> {
        let weak = engine.weak();
        let calls = Arc::new(AtomicUsize::new(0));
        let parked = Arc::new(AtomicBool::new(false));
        let (running, parking) = (calls.clone(), parked.clone());
        let handle = std::thread::Builder::new()
            .name("stint-plugin-epoch".into())
            .spawn(move || {
                let mut idle = 0u32;
                loop {
                    if running.load(Ordering::SeqCst) == 0 {
                        idle = idle.saturating_add(1);
                    } else {
                        idle = 0;
                    }
                    if idle > PARK_AFTER_IDLE_TICKS {
                        // `parked` is published before `calls` is read again, and `start`
                        // counts the call before reading `parked`: one of the two sees the
                        // other, so a call never waits for a tick that does not come.
                        parking.store(true, Ordering::SeqCst);
                        if running.load(Ordering::SeqCst) == 0 {
                            std::thread::park_timeout(Duration::from_secs(1));
                        }
                        parking.store(false, Ordering::SeqCst);
                        if weak.upgrade().is_none() {
                            break;
                        }
                        continue;
                    }
                    std::thread::sleep(tick);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .context("cannot start the plugin epoch ticker")?;
        Ok(Ticker {
            calls,
            parked,
            thread: handle.thread().clone(),
        })
    }

    fn start(&self) -> Ticking {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.parked.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
        Ticking(self.calls.clone())
    }
}

/// What one call's store owns.
pub(crate) struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) limiter: Limiter,
    /// The plugin's name, for its log records.
    pub(super) plugin: Arc<str>,
    /// When set (by `stint plugin test`), log records are kept as well as traced.
    pub(super) logs: Option<Vec<LogRecord>>,
    /// When the call must stop.
    pub(super) deadline: Instant,
    /// The guest's stderr (a panic message lands here).
    pub(super) stderr: MemoryOutputPipe,
    /// The data a report call may read (`stint:plugins/report-data`); `None` outside reports.
    pub(super) report_data: Option<Arc<dyn ReportData>>,
    /// Set when lending data failed on the host's side (the database), so the failure is not
    /// blamed on the plugin.
    pub(super) data_error: Option<String>,
}

impl State {
    pub(super) fn new(
        plugin: Arc<str>,
        memory_bytes: usize,
        deadline: Instant,
        capture_logs: bool,
    ) -> State {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        // Rule plugins must be pure functions of their input: no files, sockets, env or args
        // (the builder's defaults), and time and randomness fixed so a rerun gives the same
        // invoice.
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .wall_clock(FixedWallClock)
            .monotonic_clock(SteppingMonotonicClock::default())
            .secure_random(wasmtime_wasi::Deterministic::new(SEED.to_vec()))
            .insecure_random(wasmtime_wasi::Deterministic::new(SEED.to_vec()))
            .insecure_random_seed(0x5354_494e_545f_5345_4544_5f5f_5f5f_5f5f)
            .build();
        State {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter::new(memory_bytes),
            plugin,
            logs: capture_logs.then(Vec::new),
            deadline,
            stderr,
            report_data: None,
            data_error: None,
        }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

const SEED: [u8; 32] = *b"stint deterministic plugin seed!";

/// `wasi:clocks/wall-clock` for rule plugins: always 2000-01-01T00:00:00Z.
struct FixedWallClock;

impl wasmtime_wasi::HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::from_secs(946_684_800)
    }
}

/// `wasi:clocks/monotonic-clock` for rule plugins: advances 1 µs per reading, so elapsed-time
/// loops terminate and timings are reproducible.
#[derive(Default)]
struct SteppingMonotonicClock(AtomicU64);

impl wasmtime_wasi::HostMonotonicClock for SteppingMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000
    }
    fn now(&self) -> u64 {
        self.0.fetch_add(1_000, Ordering::Relaxed)
    }
}

/// Caps linear memory per store, remembers the peak and whether the cap was hit (so the
/// failure is reported as out-of-memory whatever the guest does next).
pub(super) struct Limiter {
    cap: usize,
    /// The largest size a memory was grown to, in bytes.
    pub(super) peak: usize,
    /// The size a refused growth asked for.
    pub(super) refused: Option<usize>,
}

/// Table elements one store may have: far above what a Rust guest needs.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl Limiter {
    fn new(cap: usize) -> Limiter {
        Limiter {
            cap,
            peak: 0,
            refused: None,
        }
    }
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.cap || maximum.is_some_and(|max| desired > max) {
            self.refused = Some(desired);
            // A trap rather than `Ok(false)`: a guest told "no" by `memory.grow` would abort
            // with an allocation failure, which reads as a crash rather than as the limit.
            wasmtime::bail!(
                "memory limit of {} bytes exceeded (growing to {desired} bytes)",
                self.cap
            );
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.refused.get_or_insert(0);
        Err(error)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }
}
