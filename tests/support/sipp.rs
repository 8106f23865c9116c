//! sipp as the other parties of a test: publishers, watchers, callers and
//! callees, with the scenarios in `tests/kamailio/sipp/`.
//!
//! Every sipp runs in the foreground as our child, bound to 127.0.0.1 only
//! (SIP, control and media sockets: kamailio-notes pitfall 11), runs one
//! scenario (`-m 1`), is bounded by `-timeout`, and is killed by its pid when
//! its value drops. Messages are read back from its `-message_file`.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::proc::{self, free_port, repo_root, run_dir, tail, udp_port_bound, wait_until};

/// How long a one-shot exchange (REGISTER, PUBLISH) may take.
const ONE_SHOT: Duration = Duration::from_secs(10);
/// Global bound of a watcher sipp; tests end it much earlier by dropping it.
const WATCHER_LIFETIME: Duration = Duration::from_secs(120);

/// One running sipp; killed on drop.
pub struct Sipp {
    child: Option<Child>,
    /// Folder with `messages.log` (every message sent and received),
    /// `errors.log` and `screen.log`.
    pub dir: PathBuf,
    /// The SIP port this sipp listens on (127.0.0.1).
    pub local_port: u16,
    what: String,
}

/// What a sipp is told: scenario file name, who it is, digest credentials,
/// `-key` values and extra arguments.
pub struct Run<'a> {
    pub scenario: &'a str,
    pub user: &'a str,
    pub auth: Option<(&'a str, &'a str)>,
    pub keys: &'a [(&'a str, &'a str)],
    pub extra: &'a [&'a str],
    pub local_port: u16,
    pub lifetime: Duration,
}

impl Sipp {
    /// Starts sipp against 127.0.0.1:`server_port`.
    pub fn spawn(server_port: u16, run: &Run) -> Sipp {
        let dir = run_dir("sipp");
        let scenario = repo_root().join("tests/kamailio/sipp").join(run.scenario);
        let mut cmd = Command::new("sipp");
        cmd.arg(format!("127.0.0.1:{server_port}"))
            .arg("-sf")
            .arg(&scenario)
            .args(["-i", "127.0.0.1", "-ci", "127.0.0.1", "-mi", "127.0.0.1"])
            .args(["-p", &run.local_port.to_string()])
            .args(["-cp", &free_port().to_string()])
            .args(["-m", "1", "-nostdin", "-s", run.user])
            .args(["-timeout", &format!("{}s", run.lifetime.as_secs().max(1))])
            .arg("-timeout_error")
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(dir.join("messages.log"))
            .arg("-trace_err")
            .arg("-error_file")
            .arg(dir.join("errors.log"));
        if let Some((user, password)) = run.auth {
            cmd.args(["-au", user, "-ap", password]);
        }
        for (key, value) in run.keys {
            cmd.args(["-key", key, value]);
        }
        cmd.args(run.extra);
        let screen = File::create(dir.join("screen.log"))
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let screen_err = screen
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot clone screen.log handle: {e}"));
        let child = cmd
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(screen)
            .stderr(screen_err)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start sipp ({e}); run scripts/install-test-deps.sh")
            });
        Sipp {
            child: Some(child),
            dir,
            local_port: run.local_port,
            what: format!(
                "sipp {} as {} on port {}",
                run.scenario, run.user, run.local_port
            ),
        }
    }

    /// Waits until the scenario ends; `Ok` when it succeeded (exit 0).
    pub fn finish(mut self, timeout: Duration) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Err(format!("{}: already finished", self.what));
        };
        match proc::wait_child(&mut child, timeout) {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!(
                "{} failed ({status})\n{}",
                self.what,
                self.report()
            )),
            Err(e) => Err(format!("{}: {e}\n{}", self.what, self.report())),
        }
    }

    /// Whether the sipp process has ended.
    pub fn exited(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => child.try_wait().ok().flatten().is_some(),
            None => true,
        }
    }

    /// Every message sent and received so far, in order.
    pub fn messages(&self) -> Vec<Logged> {
        let text = std::fs::read(self.dir.join("messages.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        parse_message_log(&text)
    }

    /// The received requests with this method, in order (full text).
    pub fn received_requests(&self, method: &str) -> Vec<String> {
        let prefix = format!("{method} ");
        self.messages()
            .into_iter()
            .filter(|m| m.received && m.text.starts_with(&prefix))
            .map(|m| m.text)
            .collect()
    }

    /// The status codes of received responses whose CSeq method is `method`.
    pub fn received_statuses(&self, method: &str) -> Vec<u16> {
        self.messages()
            .into_iter()
            .filter(|m| m.received && m.cseq_method() == Some(method))
            .filter_map(|m| m.status())
            .collect()
    }

    /// Last lines of the message, error and screen logs, for failure messages.
    pub fn report(&self) -> String {
        format!(
            "--- {} messages.log ---\n{}\n--- errors.log ---\n{}\n--- screen.log ---\n{}",
            self.what,
            tail(&self.dir.join("messages.log"), 60),
            tail(&self.dir.join("errors.log"), 20),
            tail(&self.dir.join("screen.log"), 12)
        )
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One entry of a sipp message log.
#[derive(Debug, Clone)]
pub struct Logged {
    /// Received (true) or sent (false) by sipp.
    pub received: bool,
    /// The SIP message as it was on the wire.
    pub text: String,
}

impl Logged {
    /// "SIP/2.0 200 OK" → 200; None for requests.
    pub fn status(&self) -> Option<u16> {
        let rest = self.text.strip_prefix("SIP/2.0 ")?;
        rest.get(..3)?.parse().ok()
    }

    /// Value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let head = self.text.split("\r\n\r\n").next()?;
        head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// "2 SUBSCRIBE" → "SUBSCRIBE".
    pub fn cseq_method(&self) -> Option<&str> {
        self.header("CSeq")?.split_whitespace().nth(1)
    }

    /// The body ("" when there is none).
    pub fn body(&self) -> &str {
        self.text
            .split_once("\r\n\r\n")
            .or_else(|| self.text.split_once("\n\n"))
            .map(|(_, b)| b)
            .unwrap_or("")
    }
}

/// Splits sipp's `-trace_msg` log: entries start with a line of dashes and a
/// time, then "UDP message sent (N bytes):" or "UDP message received [N]
/// bytes :", an empty line and the message.
pub fn parse_message_log(log: &str) -> Vec<Logged> {
    let mut out = Vec::new();
    for entry in log
        .split("-----------------------------------------------")
        .skip(1)
    {
        let mut parts = entry.splitn(2, '\n');
        let _time = parts.next();
        let Some(rest) = parts.next() else { continue };
        let Some((direction, message)) = rest.split_once('\n') else {
            continue;
        };
        let received = direction.contains("received");
        if !received && !direction.contains("sent") {
            continue;
        }
        let text = message
            .trim_start_matches(['\r', '\n'])
            .trim_end_matches(['\r', '\n']);
        out.push(Logged {
            received,
            text: text.to_string(),
        });
    }
    out
}

/// REGISTERs `user` with its contact at 127.0.0.1:`local_port` (digest auth).
pub fn register(
    server_port: u16,
    user: &str,
    password: &str,
    local_port: u16,
    expires: u32,
) -> Result<(), String> {
    let expires = expires.to_string();
    Sipp::spawn(
        server_port,
        &Run {
            scenario: "register.xml",
            user,
            auth: Some((user, password)),
            keys: &[("expires", &expires)],
            extra: &[],
            local_port,
            lifetime: ONE_SHOT,
        },
    )
    .finish(ONE_SHOT + Duration::from_secs(2))
}

/// PUBLISH Event: presence for `user` with this PIDF body, digest auth,
/// Expires 3600. `Ok` when the server answered 200.
pub fn publish(
    server_port: u16,
    user: &str,
    password: &str,
    pidf_body: &str,
) -> Result<(), String> {
    publish_expires(server_port, user, password, pidf_body, 3600)
}

/// [`publish`] with another Expires (seconds).
pub fn publish_expires(
    server_port: u16,
    user: &str,
    password: &str,
    pidf_body: &str,
    expires: u32,
) -> Result<(), String> {
    let expires = expires.to_string();
    Sipp::spawn(
        server_port,
        &Run {
            scenario: "publish.xml",
            user,
            auth: Some((user, password)),
            keys: &[("expires", &expires), ("body", pidf_body)],
            extra: &[],
            local_port: free_port(),
            lifetime: ONE_SHOT,
        },
    )
    .finish(ONE_SHOT + Duration::from_secs(2))
}

/// A sipp watcher: SUBSCRIBEs (digest) and answers every NOTIFY with 200
/// until dropped.
pub struct Watcher {
    pub sipp: Sipp,
}

/// `watcher` = (user, password) SUBSCRIBEs to `target`'s `event` ("presence",
/// "dialog", "presence.winfo" or anything else to provoke a 489), Expires 600.
pub fn subscribe(server_port: u16, watcher: (&str, &str), target: &str, event: &str) -> Watcher {
    subscribe_over(server_port, watcher, target, event, false)
}

/// [`subscribe`] over TCP when `tcp` (the NOTIFYs come back on the same
/// connection), else over UDP.
pub fn subscribe_over(
    server_port: u16,
    watcher: (&str, &str),
    target: &str,
    event: &str,
    tcp: bool,
) -> Watcher {
    let accept = match event {
        "presence" => "application/pidf+xml",
        "dialog" => "application/dialog-info+xml",
        "presence.winfo" => "application/watcherinfo+xml",
        _ => "*/*",
    };
    let sipp = Sipp::spawn(
        server_port,
        &Run {
            scenario: "subscribe.xml",
            user: watcher.0,
            auth: Some(watcher),
            keys: &[
                ("target", target),
                ("event", event),
                ("accept", accept),
                ("expires", "600"),
            ],
            extra: if tcp { &["-t", "t1"] } else { &[] },
            local_port: free_port(),
            lifetime: WATCHER_LIFETIME,
        },
    );
    Watcher { sipp }
}

impl Watcher {
    /// The final answer to the (authenticated) SUBSCRIBE, waiting up to
    /// `timeout` for it: 200 when the subscription is active.
    pub fn answer(&self, timeout: Duration) -> Result<u16, String> {
        let mut answer = None;
        wait_until(timeout, || {
            answer = self
                .sipp
                .received_statuses("SUBSCRIBE")
                .into_iter()
                .find(|&s| s >= 200 && s != 401);
            answer.is_some()
        });
        answer.ok_or_else(|| {
            format!(
                "no final answer to SUBSCRIBE within {timeout:?}\n{}",
                self.sipp.report()
            )
        })
    }

    /// Every NOTIFY received so far (full text, in order).
    pub fn notifies(&self) -> Vec<Logged> {
        self.sipp
            .messages()
            .into_iter()
            .filter(|m| m.received && m.text.starts_with("NOTIFY "))
            .collect()
    }

    /// Waits until the NOTIFYs received so far satisfy `done`; returns them.
    pub fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[Logged]) -> bool,
    ) -> Result<Vec<Logged>, String> {
        let mut seen = Vec::new();
        if wait_until(timeout, || {
            seen = self.notifies();
            done(&seen)
        }) {
            Ok(seen)
        } else {
            Err(format!(
                "the NOTIFYs did not arrive within {timeout:?}\n{}",
                self.sipp.report()
            ))
        }
    }

    /// Waits for a NOTIFY whose body contains `needle`; returns that NOTIFY.
    pub fn wait_body_containing(&self, needle: &str, timeout: Duration) -> Result<Logged, String> {
        let seen = self.wait_for(timeout, |n| n.iter().any(|m| m.body().contains(needle)))?;
        seen.into_iter()
            .find(|m| m.body().contains(needle))
            .ok_or_else(|| "unreachable: the wait saw it".to_string())
    }
}

/// A call between two parties through Kamailio; both sipps are killed on
/// drop.
pub struct Call {
    caller: Sipp,
    callee: Sipp,
    budget: Duration,
}

/// `callee` REGISTERs (digest), then `caller` INVITEs `sip:CALLEE@127.0.0.1`
/// through the server; the callee rings (180) at once, answers (200) after
/// `ring_ms`, the caller hangs up (BYE) `talk_ms` after the answer. The
/// caller does not register (the server does not challenge INVITEs), so its
/// password is unused. Panics when the callee cannot register.
pub fn start_call(
    server_port: u16,
    caller: (&str, &str),
    callee: (&str, &str),
    ring_ms: u64,
    talk_ms: u64,
) -> Call {
    let callee_port = free_port();
    if let Err(e) = register(server_port, callee.0, callee.1, callee_port, 3600) {
        panic!("the callee {} could not register: {e}", callee.0);
    }
    let budget = Duration::from_millis(ring_ms + talk_ms) + Duration::from_secs(15);
    let ring = ring_ms.to_string();
    let callee_sipp = Sipp::spawn(
        server_port,
        &Run {
            scenario: "call_callee.xml",
            user: callee.0,
            auth: None,
            keys: &[],
            extra: &["-d", &ring],
            local_port: callee_port,
            lifetime: budget,
        },
    );
    // the INVITE must find the callee listening
    if !wait_until(Duration::from_secs(5), || udp_port_bound(callee_port)) {
        panic!(
            "the callee sipp never bound its port\n{}",
            callee_sipp.report()
        );
    }
    let talk = talk_ms.to_string();
    let caller_sipp = Sipp::spawn(
        server_port,
        &Run {
            scenario: "call_caller.xml",
            user: caller.0,
            auth: None,
            keys: &[("callee", callee.0)],
            extra: &["-d", &talk],
            local_port: free_port(),
            lifetime: budget,
        },
    );
    Call {
        caller: caller_sipp,
        callee: callee_sipp,
        budget,
    }
}

/// `callee` REGISTERs, `caller` INVITEs it through the server; the callee
/// rings (180) for `ring_ms`, then gives up with 480 (nobody answered):
/// the dialog goes early → terminated without ever being confirmed. The
/// caller's From carries the display name "Carol Caller".
pub fn start_unanswered_call(
    server_port: u16,
    caller: &str,
    callee: (&str, &str),
    ring_ms: u64,
) -> Call {
    let callee_port = free_port();
    if let Err(e) = register(server_port, callee.0, callee.1, callee_port, 3600) {
        panic!("the callee {} could not register: {e}", callee.0);
    }
    let budget = Duration::from_millis(ring_ms) + Duration::from_secs(15);
    let ring = ring_ms.to_string();
    let callee_sipp = Sipp::spawn(
        server_port,
        &Run {
            scenario: "call_unanswered_callee.xml",
            user: callee.0,
            auth: None,
            keys: &[],
            extra: &["-d", &ring],
            local_port: callee_port,
            lifetime: budget,
        },
    );
    if !wait_until(Duration::from_secs(5), || udp_port_bound(callee_port)) {
        panic!(
            "the callee sipp never bound its port\n{}",
            callee_sipp.report()
        );
    }
    let caller_sipp = Sipp::spawn(
        server_port,
        &Run {
            scenario: "call_unanswered_caller.xml",
            user: caller,
            auth: None,
            keys: &[("callee", callee.0)],
            extra: &[],
            local_port: free_port(),
            lifetime: budget,
        },
    );
    Call {
        caller: caller_sipp,
        callee: callee_sipp,
        budget,
    }
}

impl Call {
    /// Waits until both sides hung up; `Ok` when both scenarios succeeded.
    pub fn wait(self) -> Result<(), String> {
        let Call {
            caller,
            callee,
            budget,
        } = self;
        let caller = caller.finish(budget);
        let callee = callee.finish(Duration::from_secs(5));
        match (caller, callee) {
            (Ok(()), Ok(())) => Ok(()),
            (a, b) => Err(format!(
                "call failed\ncaller: {}\ncallee: {}",
                a.err().unwrap_or_else(|| "ok".into()),
                b.err().unwrap_or_else(|| "ok".into())
            )),
        }
    }
}
