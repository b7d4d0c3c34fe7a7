//! `iotlabel serve`: the registry and verify service (the library's `serve` module) on a port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use iotlabel::FileError;
use iotlabel::registry::SqliteStore;
use iotlabel::serve::{App, Clock, Core, CoreConfig, FixedClock, Limits, SystemClock};

use super::common::{TrustArgs, load_key, parse_time};
use super::{CliError, out};

#[derive(clap::Args)]
pub struct Args {
    /// The SQLite database (created if missing; WAL mode, so FILE-wal and FILE-shm appear
    /// beside it).
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// Trust lists and roots (both required), and signed status lists to use as they are
    /// (never re-signed).
    #[command(flatten)]
    trusted: TrustArgs<true>,
    /// The status key (PKCS#8 PEM) that signs this registry's status lists. Without it,
    /// revocations are refused and only --status lists are used.
    #[arg(long, value_name = "KEY")]
    status_key: Option<PathBuf>,
    /// Name of an environment variable holding the status key's passphrase.
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
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
    #[arg(long, value_parser = parse_time)]
    at: Option<jiff::Timestamp>,
}

pub fn run(a: Args) -> Result<(), CliError> {
    if !a.listen.ip().is_loopback() && !a.allow_remote {
        return Err(CliError::usage(format!(
            "--listen {} is not a loopback address\n  help: pass --allow-remote to serve beyond this machine (and put TLS in front)",
            a.listen
        )));
    }
    if a.status_valid_hours < 1 || a.timeout_secs == 0 || a.max_body == 0 || a.idle_secs == 0 {
        return Err(CliError::usage(
            "--status-valid-hours, --timeout-secs, --idle-secs and --max-body must be at least 1",
        ));
    }
    let clock: Arc<dyn Clock> = match a.at {
        Some(t) => Arc::new(FixedClock::new(t)),
        None => Arc::new(SystemClock),
    };
    let files = a.trusted.read()?;
    let status_key = a
        .status_key
        .as_deref()
        .map(|p| {
            load_key(p, a.passphrase_env.as_deref()).map_err(|e| match e {
                e @ CliError::Key(_) => e.context(format!("--status-key {}", p.display())),
                e => e,
            })
        })
        .transpose()?;
    let store = Arc::new(
        SqliteStore::open(&a.db)
            .map_err(|e| CliError::from(e).context(format!("--db {}", a.db.display())))?,
    );
    let config = CoreConfig {
        roots: files.roots,
        trust_lists: files.trust,
        status_files: files.status,
        status_key,
        status_validity: a.status_valid_hours.saturating_mul(3600),
    };
    let core = Arc::new(Core::new(config, store, clock).map_err(CliError::invalid)?);
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
    core.set_signature_cache(a.signature_cache)
        .map_err(CliError::invalid)?;
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
    let rt = built.map_err(FileError::on("start", "the runtime"))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .map_err(FileError::on("listen on", a.listen.to_string()))?;
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
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || core.flush()).await {
            eprintln!("warning: flushing the database at exit: {e}");
        }
        out("iotlabel serve: stopped\n");
        Ok(())
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
