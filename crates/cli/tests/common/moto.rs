//! The AWS emulator for the live engine's tests: a real moto server on a
//! free loopback port, started per test and stopped when dropped, plus a
//! fault-injecting HTTP proxy that answers a share of calls with throttling
//! errors and HTTP 500s before they reach it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::common::root;

/// The account the example's `dev` environment names.
pub const ACCOUNT: &str = "111111111111";

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

fn venv_bin(name: &str) -> PathBuf {
    let p = root().join(".venv/bin").join(name);
    assert!(
        p.exists(),
        "{} is missing: run scripts/test (it installs moto[server] into .venv)",
        p.display()
    );
    p
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    /// Starts a moto server for the `dev` account; returns when it answers.
    pub fn start(dir: &Path) -> Self {
        Self::start_as(dir, ACCOUNT)
    }

    /// Starts a moto server whose credentials belong to `account`.
    pub fn start_as(dir: &Path, account: &str) -> Self {
        let port = free_port();
        let log = dir.join(format!("moto-{port}.log"));
        let child = Command::new(venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .env("MOTO_ACCOUNT_ID", account)
            // ACM issues a DNS-validated certificate after this many seconds.
            .env("MOTO_ACM_VALIDATION_WAIT", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("moto_server starts");
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = write!(
                    s,
                    "GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
                );
                let mut first = String::new();
                if BufReader::new(s).read_line(&mut first).is_ok() && first.contains(" 200") {
                    break;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { child, url }
    }

    /// Runs the boto3 support script against `url`.
    pub fn py(&self, url: &str, args: &[&str]) -> serde_json::Value {
        let out = Command::new(venv_bin("python"))
            .arg(root().join("crates/cli/tests/support/aws.py"))
            .arg(url)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "aws.py {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The inventory: every resource, keyed without physical ids.
    pub fn inventory(&self) -> serde_json::Value {
        self.py(&self.url, &["inventory"])
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `strata` with credentials for the emulator and nothing from the
/// machine's own AWS configuration.
pub fn strata_live(args: &[&str], cwd: &Path, extra_env: &[(&str, String)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_strata"));
    c.args(args)
        .current_dir(cwd)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_CONFIG_FILE", cwd.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            cwd.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("STRATA_TEST_KILL_AFTER_CALLS")
        .stdin(Stdio::null());
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// A proxy in front of `upstream` that fails every `every`-th request:
/// alternately a throttling error in the service's protocol and an HTTP 500.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests failed so far.
    pub injected: Arc<AtomicU64>,
    /// Requests forwarded so far.
    pub forwarded: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// Listens on a free port.
    pub fn start(upstream: &str, every: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let injected = Arc::new(AtomicU64::new(0));
        let forwarded = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(AtomicU64::new(0));
        let (i, f, s) = (injected.clone(), forwarded.clone(), stop.clone());
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(900);
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        let (i, f, seen, upstream) =
                            (i.clone(), f.clone(), seen.clone(), upstream.clone());
                        std::thread::spawn(move || serve(conn, &upstream, every, &seen, &i, &f));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FaultProxy {
            url,
            injected,
            forwarded,
            stop,
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Reads one HTTP/1.1 request: the head (with `Connection: close` forced,
/// so one request travels per connection) and its body.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        head.push_str(&line);
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    r.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn serve(
    conn: TcpStream,
    upstream: &str,
    every: u64,
    seen: &AtomicU64,
    injected: &AtomicU64,
    forwarded: &AtomicU64,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let Some((head, body)) = read_request(&mut reader) else {
        return;
    };
    let mut conn = conn;
    let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
    if n % every == 0 {
        injected.fetch_add(1, Ordering::SeqCst);
        let _ = conn.write_all(&fault(&head, &body, (n / every) % 2 == 0));
        return;
    }
    forwarded.fetch_add(1, Ordering::SeqCst);
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = up.write_all(head.as_bytes());
    let _ = up.write_all(&body);
    let mut response = Vec::new();
    let _ = up.read_to_end(&mut response);
    let _ = conn.write_all(&response);
}

/// The error AWS would send, in the protocol of the request.
fn fault(head: &str, body: &[u8], server_error: bool) -> Vec<u8> {
    let lower = head.to_ascii_lowercase();
    let text = String::from_utf8_lossy(body);
    let (status, headers, payload) = if server_error {
        (
            "500 Internal Server Error",
            String::new(),
            "internal error (injected)".to_owned(),
        )
    } else if lower.contains("application/x-amz-json") {
        (
            "400 Bad Request",
            "Content-Type: application/x-amz-json-1.1\r\nx-amzn-ErrorType: ThrottlingException\r\n"
                .to_owned(),
            r#"{"__type":"ThrottlingException","message":"Rate exceeded (injected)"}"#.to_owned(),
        )
    } else if lower.contains("application/x-www-form-urlencoded")
        && text.contains("Version=2016-11-15")
    {
        (
            "503 Service Unavailable",
            "Content-Type: text/xml\r\n".to_owned(),
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded (injected)</Message></Error></Errors><RequestID>x</RequestID></Response>".to_owned(),
        )
    } else if lower.contains("application/x-www-form-urlencoded") {
        (
            "400 Bad Request",
            "Content-Type: text/xml\r\n".to_owned(),
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded (injected)</Message></Error><RequestId>x</RequestId></ErrorResponse>".to_owned(),
        )
    } else {
        (
            "503 Slow Down",
            "Content-Type: application/xml\r\n".to_owned(),
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate (injected)</Message></Error>".to_owned(),
        )
    };
    format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .into_bytes()
}
