//! Network faults in a network namespace of the test's own: the test runs
//! itself again inside a new namespace (`ip netns exec`), where Kamailio,
//! `switchboard watch` and the faults share a loopback of their own, so a
//! fault touches nothing else on the machine and no address but
//! 127.0.0.1.
//!
//! Faults are nftables rules in that namespace (random drop for loss, drop
//! of one port for a blackholing server). `tc netem` is not used: this
//! machine's kernel has no `sch_netem` ("Specified qdisc kind is unknown")
//! and cannot load modules; nftables' `numgen random` gives the same
//! random loss. Delay is added by a relay in the test (see `relay`).
//!
//! Without root or namespaces the test is skipped with a line on the
//! terminal (written past libtest's capture, so it shows in the output).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// Set in the copy of the test that runs inside the namespace.
const INNER: &str = "SWITCHBOARD_NETNS_TEST";

/// A network namespace, deleted on drop.
pub struct Netns {
    name: String,
}

/// Whether this process is the copy of `test` inside its namespace.
pub fn inside(test: &str) -> bool {
    std::env::var(INNER).is_ok_and(|t| t == test)
}

/// Run `test` (the name libtest knows it by) inside a new namespace and
/// panic with its output if it failed; skip it, visibly, when namespaces
/// cannot be made here.
pub fn run_inside(test: &str) {
    let ns = match Netns::create() {
        Ok(ns) => ns,
        Err(why) => {
            let mut err = std::io::stderr();
            let _ = writeln!(
                err,
                "\nSKIPPED {test}: network namespaces are not available here ({why}); run the tests as root on Linux with iproute2 and nftables to check network faults\n"
            );
            return;
        }
    };
    let exe = std::env::current_exe().expect("the test binary");
    let out: Output = Command::new("ip")
        .args(["netns", "exec", &ns.name])
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(INNER, test)
        .stdin(Stdio::null())
        .output()
        .expect("run the test inside the namespace");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{test} inside namespace {}: {}\n{text}",
        ns.name,
        out.status
    );
    // What it measured, for the output of a run with --nocapture (libtest
    // prints the test's name on the same line first).
    for line in text
        .lines()
        .filter_map(|l| l.find("fault:").map(|i| &l[i..]))
    {
        eprintln!("{line}");
    }
}

impl Netns {
    fn create() -> Result<Netns, String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        if !cfg!(target_os = "linux") {
            return Err("not Linux".into());
        }
        let name = format!(
            "sbfault-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        run("ip", &["netns", "add", &name])?;
        let ns = Netns { name };
        run(
            "ip",
            &["netns", "exec", &ns.name, "ip", "link", "set", "lo", "up"],
        )?;
        run("ip", &["netns", "exec", &ns.name, "nft", "list", "ruleset"])?;
        Ok(ns)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = run("ip", &["netns", "del", &self.name]) {
            eprintln!("cannot delete network namespace {}: {e}", self.name);
        }
    }
}

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Inside the namespace: replace every fault with `rules` (nft syntax,
/// the body of an `inet` table's output chain; empty: no fault).
pub fn set_fault(rules: &str) {
    let _ = Command::new("nft")
        .args(["delete", "table", "inet", "sbfault"])
        .stderr(Stdio::null())
        .status();
    if rules.is_empty() {
        return;
    }
    let ruleset = format!(
        "table inet sbfault {{\n chain out {{\n  type filter hook output priority 0; policy accept;\n  {rules}\n }}\n}}\n"
    );
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nft");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ruleset.as_bytes())
        .expect("write the rules");
    let out = child.wait_with_output().expect("nft");
    assert!(
        out.status.success(),
        "nft refused {ruleset}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
