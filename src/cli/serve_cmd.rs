//! `iotlabel serve`: the registry and verify service (the library's `serve` module) on a port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use iotlabel::keys::read_private_key;
use iotlabel::registry::SqliteStore;
use iotlabel::serve::{App, Clock, Core, CoreConfig, FixedClock, Limits, SystemClock};

use super::common::{load_roots, read_all};
use super::{EXIT_INVALID, EXIT_IO, EXIT_USAGE, out};

#[derive(clap::Args)]
pub struct Args {
    /// The SQLite database (created if missing; WAL mode, so FILE-wal and FILE-shm appear
    /// beside it).
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// Signed trust lists. Repeatable.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Scheme owners' root public keys. Repeatable.
    #[arg(long, required = true)]
    root: Vec<PathBuf>,
    /// The status key (PKCS#8 PEM) that signs this registry's status lists. Without it,
    /// revocations are refused and only --status lists are used.
    #[arg(long, value_name = "KEY")]
    status_key: Option<PathBuf>,
    /// Name of an environment variable holding the status key's passphrase.
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
    /// Signed status lists to use as they are (never re-signed). Repeatable.
    #[arg(long)]
    status: Vec<PathBuf>,
    /// Address to listen on. Only loopback unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Allow a non-loopback --listen address (put TLS in front of it).
    #[arg(long)]
    allow_remote: bool,
    /// Hours a signed status list is valid; it is re-signed when half have passed.
    #[arg(long, default_value_t = 24)]
    status_valid_hours: i64,
    /// Largest request body, bytes.
    #[arg(long, default_value_t = Limits::default().body_bytes)]
    max_body: usize,
    /// Longest a request may take, seconds (body included).
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
    /// Requests handled at once (503 beyond).
    #[arg(long, default_value_t = Limits::default().concurrency)]
    concurrency: usize,
    /// Open connections at once. At the cap, the connection that has waited longest for a
    /// request is closed to make room.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Open connections per client address (0: no limit). Behind a proxy every client has the
    /// proxy's address: set 0 or the proxy's own pool size there.
    #[arg(long, default_value_t = Limits::default().per_address)]
    max_connections_per_address: usize,
    /// Seconds a connection may wait for a request head (its first byte, or the next request on
    /// a keep-alive connection); 1 s once three quarters of --max-connections are open.
    #[arg(long, default_value_t = 10)]
    idle_secs: u64,
    /// On SIGTERM or Ctrl-C: seconds requests in flight have to finish before the exit.
    #[arg(long, default_value_t = 10)]
    drain_secs: u64,
    /// Runtime worker threads (default: the CPUs this process may use). With 1, the whole
    /// service runs on one thread (a current-thread runtime; SQLite work still goes to
    /// blocking threads).
    #[arg(long)]
    workers: Option<usize>,
    /// Signature checks remembered (bounded, keyed by the SHA-256 of the whole label; 0: none).
    /// Expiry, status, key state, trust-list freshness and URL are checked on every request.
    #[arg(long, default_value_t = iotlabel::verify::DEFAULT_CAPACITY)]
    signature_cache: usize,
    /// Pin the clock to this time (tests and demos; default: the system clock). UTC.
    #[arg(long)]
    at: Option<String>,
}

pub fn run(a: Args) -> u8 {
    if !a.listen.ip().is_loopback() && !a.allow_remote {
        eprintln!(
            "error: --listen {} is not a loopback address\n  help: pass --allow-remote to serve beyond this machine (and put TLS in front)",
            a.listen
        );
        return EXIT_USAGE;
    }
    if a.status_valid_hours < 1 || a.timeout_secs == 0 || a.max_body == 0 || a.idle_secs == 0 {
        eprintln!(
            "error: --status-valid-hours, --timeout-secs, --idle-secs and --max-body must be at least 1"
        );
        return EXIT_USAGE;
    }
    let clock: Arc<dyn Clock> = match &a.at {
        Some(s) => match iotlabel::time::parse_at(s) {
            Ok(t) => Arc::new(FixedClock::new(t)),
            Err(e) => {
                eprintln!("error: --at: {e}");
                return EXIT_USAGE;
            }
        },
        None => Arc::new(SystemClock),
    };
    let roots = match load_roots(&a.root) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let trust_lists = match read_all(&a.trust, "trust list") {
        Ok(t) => t,
        Err(c) => return c,
    };
    let status_files = match read_all(&a.status, "status list") {
        Ok(t) => t,
        Err(c) => return c,
    };
    let status_key = match &a.status_key {
        None => None,
        Some(p) => {
            let pass = match &a.passphrase_env {
                Some(var) => match std::env::var(var) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        eprintln!(
                            "error: environment variable {var} (--passphrase-env) is not set"
                        );
                        return EXIT_USAGE;
                    }
                },
                None => None,
            };
            match read_private_key(p, pass.as_deref()) {
                Ok(k) => Some(k),
                Err(e) => {
                    eprintln!("error: --status-key {}: {e}", p.display());
                    return EXIT_INVALID;
                }
            }
        }
    };
    let store = match SqliteStore::open(&a.db) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: --db {}: {e}", a.db.display());
            return EXIT_IO;
        }
    };
    let config = CoreConfig {
        roots,
        trust_lists,
        status_files,
        status_key,
        status_validity: a.status_valid_hours.saturating_mul(3600),
    };
    let core = match Core::new(config, store, clock) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let limits = Limits {
        body_bytes: a.max_body,
        request_timeout: Duration::from_secs(a.timeout_secs),
        header_timeout: Duration::from_secs(a.timeout_secs),
        concurrency: a.concurrency,
        max_connections: a.max_connections,
        per_address: a.max_connections_per_address,
        idle_timeout: Duration::from_secs(a.idle_secs),
        busy_idle_timeout: Duration::from_secs(a.idle_secs.min(1)),
        drain: Duration::from_secs(a.drain_secs),
        ..Limits::default()
    };
    let workers = a.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if let Err(e) = core.set_signature_cache(a.signature_cache) {
        eprintln!("error: {e}");
        return EXIT_INVALID;
    }
    // One worker: a current-thread runtime (no cross-thread hand-offs between the accept loop
    // and the connections).
    let built = if workers <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    };
    let rt = match built {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return EXIT_IO;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(a.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", a.listen);
                return EXIT_IO;
            }
        };
        let addr = listener.local_addr().unwrap_or(a.listen);
        let mut msg = format!("iotlabel serve: listening on http://{addr}\n");
        for url in core.verify_urls() {
            msg.push_str(&format!("  verify page for {url} (any letter case)\n"));
        }
        let snap = core.snapshot();
        msg.push_str(&format!(
            "  {} status list(s) signed{}; {} label(s) in {}\n",
            snap.status.len(),
            if core.has_status_key() {
                ""
            } else {
                " (no --status-key: revocations are refused)"
            },
            core.store().label_count().unwrap_or(0),
            a.db.display()
        ));
        out(&msg);
        // A damaged record does not stop the service: it is reported here and by /api/health.
        for d in core.damaged() {
            eprintln!(
                "warning: damaged record {}: {}\n  help: repair or remove it; /api/health lists it until then",
                d.record, d.problem
            );
        }
        let app = Arc::new(App::new(core.clone(), limits));
        let ticker = tokio::spawn(iotlabel::serve::tick(core.clone()));
        iotlabel::serve::serve(
            listener,
            iotlabel::serve::router(app),
            limits,
            async {
                shutdown_signal().await;
                out(&format!(
                    "iotlabel serve: stopping: no new connections; requests in flight have {} s\n",
                    limits.drain.as_secs()
                ));
            },
        )
        .await;
        ticker.abort();
        // Every acknowledged write is already durable (synchronous=FULL); the checkpoint folds
        // the WAL into the database file so the exit leaves one self-contained file.
        let code = match tokio::task::spawn_blocking(move || core.flush()).await {
            Ok(Ok(())) => 0,
            Ok(Err(e)) => {
                eprintln!("warning: flushing the database at exit: {e}");
                0
            }
            Err(_) => 0,
        };
        out("iotlabel serve: stopped\n");
        code
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
