//! `iotlabel serve`: the registry and consumer verification service.
//!
//! ```text
//!  phone camera ──► GET /V (any case) ──► page ──POST /api/verify {path, fragment}──► TrustStore::verify
//!  issuer ──POST /api/labels (COSE)──► verify (signature, issuer, role) ──► Store (SQLite, durable)
//!  issuer / owner ──POST /api/revocations──► StatusState::apply ──► Store ──► re-sign status list
//!  anyone ──GET /L/<id>, /api/labels/<id>, /api/status/<kid>, /api/trust/<owner>
//! ```
//!
//! - [`core`]: the operations without HTTP (publish, revoke, verify, status lists) and the
//!   injectable [`Clock`](core::Clock);
//! - [`view`]: what a person is shown (verdict colour, icon and words; en and ja);
//! - [`page`]: the HTML, CSS and script, embedded;
//! - [`http`]: routes, limits, the body reader and JSON errors;
//! - [`conn`]: the accept loop: connection caps, idle timeouts, half-close, drain.
//!
//! The verify page never verifies anything itself: it sends the fragment to the server,
//! which attaches the verify URL of the path the page was served from (so a label of another
//! scheme's path is still WRONG URL), runs the Rust verifier and returns the verdict.

pub mod conn;
pub mod core;
pub mod http;
pub mod page;
pub mod view;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use self::conn::serve;
pub use self::core::{Clock, Core, CoreConfig, FixedClock, SystemClock};
pub use self::http::{App, Limits, router};

/// How often the background task checks whether the status lists are due for re-signing.
pub const TICK: Duration = Duration::from_secs(30);

/// A server running on its own thread and runtime (tests, embedding). Dropping it stops it.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, drains (requests in flight are answered, within `Limits::drain`) and
    /// waits for the server thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds `listen` and serves `core` on a new thread with `workers` runtime threads.
pub fn spawn(
    core: Arc<Core>,
    listen: SocketAddr,
    limits: Limits,
    workers: usize,
) -> std::io::Result<Running> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind(listen))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = Arc::new(App::new(core.clone(), limits));
    let thread = std::thread::Builder::new()
        .name("iotlabel-serve".into())
        .spawn(move || {
            rt.block_on(async move {
                let ticker = tokio::spawn(tick(core));
                serve(listener, router(app), limits, async {
                    let _ = rx.await;
                })
                .await;
                ticker.abort();
            });
            rt.shutdown_timeout(Duration::from_secs(1));
        })?;
    Ok(Running {
        addr,
        stop: Some(tx),
        thread: Some(thread),
    })
}

/// The background task: re-signs status lists before their next update even when nobody
/// asks for them.
pub async fn tick(core: Arc<Core>) {
    let mut interval = tokio::time::interval(TICK);
    loop {
        interval.tick().await;
        let c = core.clone();
        let _ = tokio::task::spawn_blocking(move || c.tick()).await;
    }
}
