//! The accept loop and the connections: caps (in all and per client address), idle and
//! first-byte timeouts that shorten when the server is near its cap, eviction of an idle
//! connection to make room, half-closed requests answered, hyper's own error answers turned
//! into JSON, and a bounded drain on shutdown.
//!
//! A connection is *waiting* while no request of it is being handled: before its first request
//! head is complete, between keep-alive requests, and while a head trickles in. Waiting
//! connections are what an idle flood or a slow-header attack holds, so they are what the
//! timeouts and the eviction act on. A request whose body is still arriving is being handled:
//! the body reader (`http.rs`) holds it to a minimum rate and a deadline, and no processing slot
//! is taken until the body is complete.
//!
//! Client addresses are used only to count connections per address, in memory; they are never
//! logged or stored.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use super::http::Limits;

/// How often a connection checks whether it has waited too long.
const WATCH_TICK: Duration = Duration::from_millis(250);

/// One open connection, as the accept loop and the connection's task see it.
struct Conn {
    /// Requests of this connection being handled now.
    in_flight: AtomicUsize,
    /// Milliseconds (since the tracker's epoch) at which it last started waiting.
    waiting_since: AtomicU64,
    /// Asked to close (evicted, or draining).
    closing: AtomicBool,
    close: Notify,
}

impl Conn {
    fn waiting_for(&self, now_ms: u64) -> Option<Duration> {
        (self.in_flight.load(Ordering::Acquire) == 0).then(|| {
            Duration::from_millis(now_ms.saturating_sub(self.waiting_since.load(Ordering::Acquire)))
        })
    }

    fn ask_to_close(&self) {
        self.closing.store(true, Ordering::Release);
        self.close.notify_one();
    }
}

/// The open connections.
struct Tracker {
    epoch: Instant,
    limits: Limits,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, (IpAddr, Arc<Conn>)>>,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    all_closed: Notify,
    /// Under pressure: set when three quarters of the cap are open, cleared below half.
    pressure: AtomicBool,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Tracker {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn open(&self) -> usize {
        locked(&self.conns).len()
    }

    /// Near the cap: from three quarters of `max_connections` open until fewer than half are,
    /// waiting connections get the short timeout (the gap keeps it from flapping).
    fn near_cap(&self) -> bool {
        let (open, cap) = (self.open(), self.limits.max_connections.max(1));
        if open.saturating_mul(4) >= cap.saturating_mul(3) {
            self.pressure.store(true, Ordering::Release);
        } else if open.saturating_mul(2) < cap {
            self.pressure.store(false, Ordering::Release);
        }
        self.pressure.load(Ordering::Acquire)
    }

    /// How long a connection may wait for its next request head now.
    fn wait_limit(&self) -> Duration {
        if self.near_cap() {
            self.limits.busy_idle_timeout
        } else {
            self.limits.idle_timeout
        }
    }

    /// Admits a connection from `ip`, or says why not. At the cap, the connection that has
    /// waited longest is asked to close to make room; if none is waiting, the new one is
    /// refused.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<(u64, Arc<Conn>)> {
        let ip = client_key(peer);
        let mut conns = locked(&self.conns);
        let mut per = locked(&self.per_address);
        let n = per.get(&ip).copied().unwrap_or(0);
        if self.limits.per_address > 0 && n >= self.limits.per_address {
            return None;
        }
        let closing = conns
            .values()
            .filter(|(_, c)| c.closing.load(Ordering::Acquire))
            .count();
        if conns.len().saturating_sub(closing) >= self.limits.max_connections.max(1) {
            let now = self.now_ms();
            let victim = conns
                .values()
                .filter(|(_, c)| !c.closing.load(Ordering::Acquire))
                .filter_map(|(_, c)| c.waiting_for(now).map(|w| (w, c)))
                .max_by_key(|(w, _)| *w)
                .map(|(_, c)| c.clone())?;
            victim.ask_to_close();
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            in_flight: AtomicUsize::new(0),
            waiting_since: AtomicU64::new(self.now_ms()),
            closing: AtomicBool::new(false),
            close: Notify::new(),
        });
        conns.insert(id, (ip, conn.clone()));
        per.insert(ip, n + 1);
        Some((id, conn))
    }

    fn release(&self, id: u64) {
        let mut conns = locked(&self.conns);
        if let Some((ip, _)) = conns.remove(&id) {
            let mut per = locked(&self.per_address);
            if let Some(n) = per.get_mut(&ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    per.remove(&ip);
                }
            }
        }
        if conns.is_empty() {
            self.all_closed.notify_waiters();
        }
    }

    fn close_all(&self) {
        for (_, c) in locked(&self.conns).values() {
            c.ask_to_close();
        }
    }
}

/// The "address" a client is counted under: an IPv4 address as it is (an IPv4-mapped IPv6
/// address too), an IPv6 address by its /64 prefix, since one host commonly holds a whole /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Releases a connection's slot when its task ends, however it ends.
struct Slot {
    tracker: Arc<Tracker>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.tracker.release(self.id);
    }
}

/// Marks a request of a connection as being handled while it lives.
struct InFlight {
    conn: Arc<Conn>,
    tracker: Arc<Tracker>,
}

impl InFlight {
    fn new(conn: Arc<Conn>, tracker: Arc<Tracker>) -> InFlight {
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight { conn, tracker }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.conn
            .waiting_since
            .store(self.tracker.now_ms(), Ordering::Release);
        self.conn.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains: stops accepting, asks
/// every connection to close after its current request, and waits for them up to
/// `limits.drain` (connections still open then are dropped). HTTP/1.1 only.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let tracker = Arc::new(Tracker {
        epoch: Instant::now(),
        limits,
        next_id: AtomicU64::new(0),
        conns: Mutex::new(HashMap::new()),
        per_address: Mutex::new(HashMap::new()),
        all_closed: Notify::new(),
        pressure: AtomicBool::new(false),
    });
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let (tcp, peer) = match accepted {
            Ok(x) => x,
            Err(_) => {
                // Out of file descriptors and the like: back off, never exit.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some((id, conn)) = tracker.admit(peer.ip()) else {
            drop(tcp);
            continue;
        };
        let slot = Slot {
            tracker: tracker.clone(),
            id,
        };
        let _ = tcp.set_nodelay(true);
        tokio::spawn(run_connection(tcp, router.clone(), conn, slot));
    }
    drop(listener);
    drain(&tracker).await;
}

/// Asks every connection to close after its current request and waits up to `limits.drain`.
async fn drain(tracker: &Arc<Tracker>) {
    let all_closed = tracker.all_closed.notified();
    tokio::pin!(all_closed);
    all_closed.as_mut().enable();
    tracker.close_all();
    if tracker.open() == 0 {
        return;
    }
    let _ = tokio::time::timeout(tracker.limits.drain, all_closed).await;
}

async fn run_connection(tcp: tokio::net::TcpStream, router: Router, conn: Arc<Conn>, slot: Slot) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let tracker = slot.tracker.clone();
    let limits = tracker.limits;
    let svc = {
        let (conn, tracker) = (conn.clone(), tracker.clone());
        hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let busy = InFlight::new(conn.clone(), tracker.clone());
            let router = router.clone();
            async move {
                let r = router.oneshot(req.map(axum::body::Body::new)).await;
                drop(busy);
                r
            }
        })
    };
    let http = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // A client may shut down its sending side after a complete request and still read
        // the answer.
        .half_close(true)
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(JsonParseErrors::new(tcp)), svc);
    tokio::pin!(http);
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = http.as_mut() => break,
            () = conn.close.notified(), if deadline.is_none() => {
                http.as_mut().graceful_shutdown();
                deadline = Some(tokio::time::Instant::now() + limits.drain);
            }
            () = tokio::time::sleep(WATCH_TICK), if deadline.is_none() => {
                let now = tracker.now_ms();
                if conn.waiting_for(now).is_some_and(|w| w >= tracker.wait_limit()) {
                    conn.closing.store(true, Ordering::Release);
                    http.as_mut().graceful_shutdown();
                    deadline = Some(tokio::time::Instant::now() + limits.drain);
                }
            }
            () = sleep_until(deadline) => break,
        }
    }
    drop(slot);
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The socket as hyper sees it, with one change: the answers hyper writes by itself when it
/// cannot parse a request (400, 414, 431, always with an empty body and without our headers)
/// are replaced by the same status as JSON with the security headers, like every other error.
/// The service's own answers always carry `x-content-type-options`, so a 4xx or 5xx head
/// without it is hyper's.
struct JsonParseErrors<T> {
    inner: T,
    /// Bytes of a replacement answer not yet written.
    pending: Vec<u8>,
    written: usize,
}

impl<T> JsonParseErrors<T> {
    fn new(inner: T) -> JsonParseErrors<T> {
        JsonParseErrors {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// The status of an error head hyper wrote by itself, if `buf` starts with one.
fn hypers_own_error(buf: &[u8]) -> Option<u16> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    let code: u16 = std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()?;
    if !(400..600).contains(&code) {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    (!head.contains("\r\nx-content-type-options:")).then_some(code)
}

/// The JSON answer that replaces hyper's own error answer.
fn json_error_answer(code: u16) -> Vec<u8> {
    let (reason, error, help) = match code {
        400 => (
            "Bad Request",
            "the request could not be parsed (a malformed request line, path or header)",
            "send an HTTP/1.1 request with a path of printable ASCII (percent-encode the rest)",
        ),
        414 => (
            "URI Too Long",
            "the request path is too long",
            "a path and query fit in 8 KiB",
        ),
        431 => (
            "Request Header Fields Too Large",
            "the request head is too large",
            "the request line and headers fit in 64 KiB",
        ),
        _ => (
            "Error",
            "the request could not be handled",
            "see docs/api.md",
        ),
    };
    let body = serde_json::json!({ "error": error, "help": help }).to_string();
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n{}\r\n",
        body.len(),
        super::http::SECURITY_HEADERS
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect::<String>()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

impl<T: AsyncWrite + Unpin> JsonParseErrors<T> {
    /// Writes what is left of a replacement answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = std::task::ready!(
                Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonParseErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonParseErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.poll_pending(cx))?;
        if let Some(code) = hypers_own_error(buf) {
            self.pending = json_error_answer(code);
            self.written = 0;
            // hyper's answer has an empty body: everything it handed over is replaced.
            let _ = self.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_slash_64() {
        let k = |s: &str| client_key(s.parse().unwrap()).to_string();
        assert_eq!(k("127.0.0.2"), "127.0.0.2");
        assert_eq!(k("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(k("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(k("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::");
        assert_ne!(k("2001:db8:1:3::1"), k("2001:db8:1:2::1"));
    }

    #[test]
    fn only_hypers_own_error_heads_are_replaced() {
        let hyper_400 = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(hypers_own_error(hyper_400), Some(400));
        let hyper_431 =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hypers_own_error(hyper_431), Some(431));
        let ours = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\nx-content-type-options: nosniff\r\n\r\n{}";
        assert_eq!(hypers_own_error(ours), None);
        assert_eq!(
            hypers_own_error(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
            None
        );
        assert_eq!(hypers_own_error(b"HTTP/1.1 100 Continue\r\n\r\n"), None);
        // A body chunk is never taken for a head.
        assert_eq!(hypers_own_error(b"{\"error\": \"x\"}"), None);
        let answer = String::from_utf8(json_error_answer(414)).unwrap();
        assert!(answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(answer.contains("x-content-type-options: nosniff"));
        let body = answer.split("\r\n\r\n").nth(1).unwrap();
        let j: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(j["error"].is_string() && j["help"].is_string());
    }
}
