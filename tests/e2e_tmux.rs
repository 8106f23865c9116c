//! End to end: the real `switchboard` binary in a real terminal (a private
//! tmux server, 100x30) against a real Kamailio, with sipp making a call;
//! and the `--mono --ascii` console over the embedded demo server.
//!
//! The console runs under a small shell wrapper that records, after it
//! exits, the exit code and `stty -a` of the terminal it leaves behind.
//! Everything is checked on what tmux shows (`capture-pane`), polled until
//! a condition holds or a deadline passes.
#![allow(
    clippy::disallowed_methods,
    reason = "a test/bench harness: real clock, real processes and threads"
)]

mod support;

#[path = "e2e_tmux/sgr.rs"]
mod sgr;
#[path = "e2e_tmux/tmux.rs"]
mod tmux;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sgr::Colour;
use support::kamailio::Kamailio;
use support::proc::{POLL, run_dir, tail, wait_until};
use support::sipp;
use support::watch::write_config;
use switchboard::ui::theme::UNICODE;
use tmux::{HEIGHT, Tmux, row_with, shows};

const USERS: &[(&str, &str)] = &[
    ("attendant", "secret"),
    ("alice", "alicepw"),
    ("bob", "bobpw"),
    ("carol", "carolpw"),
    ("dave", "davepw"),
    ("erin", "erinpw"),
    ("frank", "frankpw"),
];
const CONTACTS: &[(&str, &str)] = &[
    ("Alice Adams", "alice"),
    ("Bob Brown", "bob"),
    ("Carol Clark", "carol"),
    ("Dave Davis", "dave"),
    ("Erin Evans", "erin"),
    ("Frank Fox", "frank"),
];

/// The ringing badge's two colours (theme: red, then xterm 208 orange).
const RED: Colour = Colour::Indexed(1);
const ORANGE: Colour = Colour::Indexed(208);

/// The console under its wrapper in a private tmux; files of the run.
struct Console {
    tmux: Tmux,
    log: PathBuf,
    stty: PathBuf,
    exit: PathBuf,
}

impl Console {
    /// Runs `switchboard ARGS --log LOG`, then records `stty -a` and the
    /// exit code, then keeps the pane open (so what the console left on the
    /// terminal can be read).
    /// `dir`: a fresh run folder (removed when the test passes).
    fn start(dir: &Path, args: &[&str]) -> Console {
        let log = dir.join("switchboard.log");
        let stty = dir.join("stty.txt");
        let exit = dir.join("exit.txt");
        let quoted: Vec<String> = args.iter().map(|a| quote(a)).collect();
        let script = format!(
            "{bin} {args} --log {log}\n\
             code=$?\n\
             stty -a > {stty} 2>&1\n\
             echo SB-EXITED:$code > {exit}.tmp && mv {exit}.tmp {exit}\n\
             exec sleep 600\n",
            bin = quote(env!("CARGO_BIN_EXE_switchboard")),
            args = quoted.join(" "),
            log = quote_path(&log),
            stty = quote_path(&stty),
            exit = quote_path(&exit),
        );
        let script_path = dir.join("run.sh");
        std::fs::write(&script_path, script).expect("write run.sh");
        let tmux = Tmux::start(dir, &script_path, &[]);
        Console {
            tmux,
            log,
            stty,
            exit,
        }
    }

    /// The console's log and, once written, the wrapper's files.
    fn context(&self) -> String {
        format!(
            "--- switchboard.log ---\n{}\n--- exit ---\n{}",
            tail(&self.log, 40),
            std::fs::read_to_string(&self.exit).unwrap_or_default()
        )
    }

    fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl FnMut(&[String]) -> bool,
    ) -> Vec<String> {
        self.tmux.wait_for(timeout, what, pred, || self.context())
    }

    /// Quits with `key` and checks the terminal the console leaves: exit
    /// code 0, a cooked tty, the alternate screen left, the cursor shown.
    fn quit_and_check_terminal(&self, key: &str, gone: &[&str]) {
        let was_alternate = self.tmux.format("#{alternate_on}");
        assert_eq!(
            was_alternate, "1",
            "the console runs on the alternate screen"
        );
        self.tmux.key(key);
        let exited = wait_until(Duration::from_secs(10), || {
            std::fs::read_to_string(&self.exit).is_ok_and(|s| s.ends_with('\n'))
        });
        assert!(
            exited,
            "the console did not exit after {key}; pane:\n{}\n{}",
            self.tmux.capture().join("\n"),
            self.context()
        );
        let code = std::fs::read_to_string(&self.exit).unwrap_or_default();
        assert_eq!(code.trim(), "SB-EXITED:0", "{}", self.context());
        let stty = std::fs::read_to_string(&self.stty).unwrap_or_default();
        let flags: HashSet<&str> = stty.split_whitespace().collect();
        for cooked in ["icanon", "echo", "isig", "icrnl", "opost"] {
            assert!(
                flags.contains(cooked),
                "terminal left without {cooked}:\n{stty}"
            );
        }
        assert_eq!(
            self.tmux.format("#{alternate_on}"),
            "0",
            "alternate screen left"
        );
        assert_eq!(
            self.tmux.format("#{cursor_flag}"),
            "1",
            "cursor shown again"
        );
        let screen = self.tmux.capture();
        for text in gone {
            assert!(
                !shows(&screen, text),
                "{text:?} still on the terminal after exit:\n{}",
                screen.join("\n")
            );
        }
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn quote_path(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

/// The two badge cells (presence glyph, line glyph) of `name`'s cell in an
/// escaped capture.
fn badge(capture: &str, name: &str) -> Option<[sgr::Cell; 2]> {
    sgr::parse(capture).into_iter().find_map(|row| {
        let text: Vec<char> = row.iter().map(|c| c.ch).collect();
        let name: Vec<char> = name.chars().collect();
        let at = text
            .windows(name.len())
            .position(|w| w == name.as_slice())?;
        // "PL Name": presence, line, space, name.
        Some([*row.get(at.checked_sub(3)?)?, *row.get(at - 2)?])
    })
}

fn ringing_glyph() -> char {
    UNICODE.line[1].chars().next().unwrap_or('?')
}

fn ready_glyph() -> char {
    UNICODE.line[0].chars().next().unwrap_or('?')
}

#[test]
fn the_console_on_kamailio_searches_blinks_a_ringing_line_and_restores_the_terminal() {
    let kam = Kamailio::start(USERS);
    let dir = run_dir("e2e-kamailio");
    let cfg = write_config(&dir, kam.port, "udp", ("attendant", "secret"), CONTACTS, "");
    let console = Console::start(&dir, &["--config", &cfg.to_string_lossy()]);

    // (a) Every contact on the grid once every subscription is active.
    let names: Vec<&str> = CONTACTS.iter().map(|(n, _)| *n).collect();
    let screen = console.wait_for(Duration::from_secs(20), "all contacts active", |s| {
        names.iter().all(|n| shows(s, n)) && shows(s, "6 active · 0 pending · 0 failed")
    });
    assert_eq!(screen.len(), usize::from(HEIGHT), "{screen:?}");
    assert!(shows(&screen, "connected"), "{}", screen.join("\n"));

    // (b) Typing narrows the grid to Bob; the status bar shows the search.
    console.tmux.type_text("bob");
    let screen = console.wait_for(Duration::from_secs(5), "the search for bob", |s| {
        shows(s, "Bob Brown")
            && names
                .iter()
                .filter(|n| **n != "Bob Brown")
                .all(|n| !shows(s, n))
            && shows(s, "search: bob")
    });
    let status = row_with(&screen, "search: bob").unwrap_or_default();
    assert!(status.contains("(1 of 6)"), "{status}");

    // (c) alice calls bob: Bob's badge blinks red/orange while it rings.
    let call = sipp::start_call(kam.port, ("alice", "alicepw"), ("bob", "bobpw"), 4000, 1000);
    let ringing = ringing_glyph();
    // The ringing cell names the caller, so Bob's own name may be cut
    // ("○☎ Bob Br… ←Alice Adams"): the badge is found by its first letters
    // (the status bar's "ringing: Bob Brown" has no badge before the name).
    let bob_ringing = format!("{ringing} Bob B");
    console.wait_for(Duration::from_secs(10), "Bob ringing", |s| {
        shows(s, &bob_ringing)
    });
    let mut seen = HashSet::new();
    let mut checked = 0;
    let deadline = Instant::now() + Duration::from_secs(3);
    while !(seen.contains(&RED) && seen.contains(&ORANGE)) && Instant::now() < deadline {
        let capture = console.tmux.capture_escapes();
        if let Some([p, l]) = badge(&capture, "Bob B")
            && l.ch == ringing
        {
            assert_eq!(p.style.bg, l.style.bg, "both badge cells blink together");
            seen.insert(l.style.bg);
            checked += 1;
        }
        std::thread::sleep(POLL);
    }
    assert!(
        seen.contains(&RED) && seen.contains(&ORANGE),
        "the ringing badge alternates red and orange: saw {seen:?} in {checked} captures\n{}",
        console.context()
    );

    // ... and stops blinking once the call is answered and over.
    let ready = ready_glyph();
    console.wait_for(Duration::from_secs(20), "Bob's line ready again", |s| {
        row_with(s, "Bob Brown").is_some_and(|r| r.contains(ready) && !r.contains(ringing))
    });
    call.wait().expect("the call completed");
    let watch_until = Instant::now() + Duration::from_millis(1200);
    while Instant::now() < watch_until {
        let capture = console.tmux.capture_escapes();
        let [p, l] = badge(&capture, "Bob Brown").expect("Bob's cell");
        assert_eq!(l.ch, ready, "Bob's line stays ready");
        for c in [p, l] {
            assert!(
                c.style.bg != RED && c.style.bg != ORANGE,
                "blinking after the call: {c:?}"
            );
        }
        std::thread::sleep(POLL);
    }

    // (d) Ctrl-Q quits and leaves a usable terminal.
    console.quit_and_check_terminal("C-q", &["Bob Brown", "search: bob", "connected"]);
}

#[test]
fn mono_ascii_over_the_demo_draws_only_ascii_glyphs_and_no_colours() {
    let console = Console::start(
        &run_dir("e2e-mono-ascii"),
        &["--demo", "--mono", "--ascii", "--speed", "30"],
    );
    let screen = console.wait_for(Duration::from_secs(20), "the demo office", |s| {
        shows(s, "+ connected") && s.iter().filter(|r| r.starts_with("-- ")).count() >= 2
    });
    check_ascii(&screen, &console.tmux.capture_escapes());

    // The help overlay (borders, legend) too.
    console.tmux.key("F1");
    let screen = console.wait_for(Duration::from_secs(5), "the help overlay", |s| {
        shows(s, "Search: just type")
    });
    check_ascii(&screen, &console.tmux.capture_escapes());
    assert!(
        screen.iter().any(|r| r.contains("--+")),
        "an ASCII border:\n{}",
        screen.join("\n")
    );

    console.quit_and_check_terminal("C-q", &["connected", "DEMO"]);
}

/// Glyphs, borders and the status bar are ASCII; only people's names may
/// hold other letters. No escape sets a colour.
fn check_ascii(screen: &[String], escaped: &str) {
    let dump = screen.join("\n");
    let unicode_glyphs: HashSet<char> = UNICODE
        .presence
        .iter()
        .chain(&UNICODE.line)
        .chain(&UNICODE.availability)
        .chain(&[
            UNICODE.favourite,
            UNICODE.ellipsis,
            UNICODE.rule,
            UNICODE.connected,
            UNICODE.connecting,
            UNICODE.failed,
            UNICODE.none,
            UNICODE.sep,
            UNICODE.bar,
        ])
        .flat_map(|s| s.chars())
        .filter(|c| !c.is_ascii())
        .collect();
    for (y, row) in screen.iter().enumerate() {
        for ch in row.chars().filter(|c| !c.is_ascii()) {
            assert!(
                !unicode_glyphs.contains(&ch) && !('\u{2500}'..='\u{27ff}').contains(&ch),
                "non-ASCII glyph {ch:?} in row {y}: {row}\n{dump}"
            );
            assert!(
                ch.is_alphabetic(),
                "non-letter {ch:?} (U+{:04X}) in row {y}: {row}\n{dump}",
                ch as u32
            );
        }
    }
    let bar = &screen[screen.len().saturating_sub(2)..];
    let headers = screen.iter().filter(|r| r.starts_with("-- "));
    for row in bar.iter().chain(headers) {
        assert!(row.is_ascii(), "not ASCII: {row}\n{dump}");
    }
    for params in sgr::all_sgr(escaped) {
        assert!(
            !sgr::sets_colour(&params),
            "a colour escape in --mono: {params:?}\n{dump}"
        );
    }
}

/// The glyph the grid shows for `p`.
fn presence_glyph(p: switchboard::presence::Presence) -> char {
    let at = switchboard::presence::Presence::ALL
        .iter()
        .position(|x| *x == p)
        .unwrap_or(0);
    UNICODE.presence[at].chars().next().unwrap_or('?')
}

#[test]
fn a_csv_edited_under_a_running_console_adds_and_removes_contacts_without_disturbing_the_others() {
    let kam = Kamailio::start(USERS);
    const AWAY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:bob@127.0.0.1">
<tuple id="t-bob"><status><basic>open</basic></status></tuple>
<dm:person id="p-bob"><rpid:activities><rpid:away/></rpid:activities></dm:person>
</presence>
"#;
    sipp::publish(kam.port, "bob", "bobpw", AWAY).expect("Bob's PUBLISH answered 200");
    let dir = run_dir("e2e-directory");
    let csv = dir.join("staff.csv");
    std::fs::write(
        &csv,
        "name,uri,department,Room\r\nBob Brown,sip:bob@127.0.0.1,Sales,B7\r\nCarol Clark,sip:carol@127.0.0.1,Sales,C1\r\n",
    )
    .expect("write staff.csv");
    let cfg = write_config(
        &dir,
        kam.port,
        "udp",
        ("attendant", "secret"),
        &[("Alice Adams", "alice")],
        "[directory]\ncsv = \"staff.csv\"\n",
    );
    let console = Console::start(&dir, &["--config", &cfg.to_string_lossy()]);
    let away = presence_glyph(switchboard::presence::Presence::Away);
    let bob_away = |s: &[String]| row_with(s, "Bob Brown").is_some_and(|r| r.contains(away));

    // (a) The [[contact]] and the CSV's rows, all subscribed; Bob away.
    console.wait_for(Duration::from_secs(20), "the first directory", |s| {
        ["Alice Adams", "Bob Brown", "Carol Clark"]
            .iter()
            .all(|n| shows(s, n))
            && shows(s, "3 active · 0 pending · 0 failed")
            && bob_away(s)
    });

    // (b) The CSV replaced the way editors save (a new file renamed over
    // the old): Carol leaves, Dave joins, a row without a URI is reported.
    let tmp = dir.join("staff.csv.tmp");
    std::fs::write(
        &tmp,
        "name,uri,department,Room\r\nBob Brown,sip:bob@127.0.0.1,Sales,B7\r\nNo Uri,,Sales,\r\nDave Davis,sip:dave@127.0.0.1,Support,D4\r\n",
    )
    .expect("write staff.csv.tmp");
    std::fs::rename(&tmp, &csv).expect("rename over staff.csv");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut screen;
    loop {
        screen = console.tmux.capture();
        assert!(
            bob_away(&screen),
            "Bob keeps his state through the reload:\n{}\n{}",
            screen.join("\n"),
            console.context()
        );
        let done = shows(&screen, "Dave Davis")
            && !shows(&screen, "Carol Clark")
            && shows(&screen, "Alice Adams");
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Dave in, Carol out:\n{}\n{}",
            screen.join("\n"),
            console.context()
        );
        std::thread::sleep(POLL);
    }
    assert!(
        shows(&screen, "staff.csv:3"),
        "the bad row is named in the message line:\n{}",
        screen.join("\n")
    );
    let log = tail(&console.log, 200);
    assert!(log.contains("staff.csv:3: no SIP URI"), "{log}");
    // A key clears the message line: Dave is subscribed, Carol's gone.
    console.tmux.key("Escape");
    console.wait_for(Duration::from_secs(20), "3 active after the reload", |s| {
        shows(s, "3 active · 0 pending · 0 failed") && bob_away(s)
    });

    // (c) A row appended in place (an export job writing the same file).
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&csv)
            .expect("open staff.csv");
        f.write_all(b"Erin Evans,sip:erin@127.0.0.1,Support,E2\r\n")
            .expect("append to staff.csv");
    }
    console.wait_for(Duration::from_secs(20), "Erin added", |s| {
        shows(s, "Erin Evans") && bob_away(s)
    });
    // The row without a URI is still there: reported again, cleared by a key.
    console.tmux.key("Escape");
    console.wait_for(Duration::from_secs(20), "4 active", |s| {
        shows(s, "4 active · 0 pending · 0 failed") && bob_away(s)
    });

    // (d) The extra column is searchable and shown in the details panel.
    console.tmux.type_text("b7");
    console.wait_for(Duration::from_secs(5), "the search for b7", |s| {
        shows(s, "Bob Brown") && !shows(s, "Alice Adams") && !shows(s, "Erin Evans")
    });
    console.tmux.key("Enter");
    console.wait_for(Duration::from_secs(5), "Bob's details with his room", |s| {
        s.iter().any(|r| r.contains("Room") && r.contains("B7"))
    });

    console.quit_and_check_terminal("C-q", &["Erin Evans", "Bob Brown"]);
}

/// A grey cell explained: F7 on a real Kamailio shows the connector up and
/// running and the one contact the server does not know as "not found"
/// (404); the state filter narrows to it; a test subscription typed into
/// the view shows the server's answer and the parsed state.
#[test]
fn f7_explains_a_grey_cell_and_runs_a_test_subscription_on_kamailio() {
    let kam = Kamailio::start(USERS);
    let dir = run_dir("e2e-diagnostics");
    let contacts = [
        ("Alice Adams", "alice"),
        ("Bob Brown", "bob"),
        ("Gus Ghost", "ghost"),
    ];
    let cfg = write_config(
        &dir,
        kam.port,
        "udp",
        ("attendant", "secret"),
        &contacts,
        "",
    );
    let console = Console::start(&dir, &["--config", &cfg.to_string_lossy()]);
    console.wait_for(Duration::from_secs(20), "the grid", |s| {
        shows(s, "Gus Ghost") && shows(s, "2 active · 0 pending · 1 failed")
    });

    console.tmux.key("F7");
    let screen = console.wait_for(Duration::from_secs(5), "the diagnostics", |s| {
        shows(s, ": up and running for") && shows(s, "not found")
    });
    let ghost = row_with(&screen, "Gus Ghost")
        .unwrap_or_default()
        .to_string();
    assert!(
        ghost.contains("not found")
            && ghost.contains("404")
            && ghost.contains("sip:ghost@127.0.0.1"),
        "{ghost}\n{}",
        screen.join("\n")
    );
    // The state filter: all → not requested → requesting → active → pending → not found.
    for _ in 0..5 {
        console.tmux.key("Right");
    }
    let screen = console.wait_for(Duration::from_secs(5), "only not found", |s| {
        shows(s, "State: not found")
    });
    assert!(!shows(&screen, "Alice Adams"), "{}", screen.join("\n"));
    assert!(shows(&screen, "Gus Ghost"), "{}", screen.join("\n"));

    console.tmux.key("C-t");
    console.tmux.type_text("sip:alice@127.0.0.1");
    console.tmux.key("Enter");
    let screen = console.wait_for(Duration::from_secs(10), "the test subscription", |s| {
        shows(s, "sip:alice@127.0.0.1 (presence): active") && shows(s, "Parsed: presence:")
    });
    assert!(
        shows(&screen, "SIP/2.0 20"),
        "the raw answer: {}",
        screen.join("\n")
    );

    console.tmux.key("Escape");
    console.wait_for(Duration::from_secs(5), "the grid again", |s| {
        shows(s, "Alice Adams") && !shows(s, "Diagnostics (F7)")
    });
    console.quit_and_check_terminal("C-q", &["Alice Adams"]);
}

/// Issue 13's "done when": someone in Sales who is free is two keystrokes
/// after the department's name (F3), and F6 jumps to a ringing phone and
/// shows its caller, by name when the caller is in the directory.
#[test]
fn a_receptionist_finds_someone_free_in_sales_and_f6_opens_a_ringing_phones_caller() {
    let kam = Kamailio::start(USERS);
    let pidf = |user: &str, activity: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:{user}@127.0.0.1">
<tuple id="t-{user}"><status><basic>open</basic></status></tuple>
<dm:person id="p-{user}">{activity}</dm:person>
</presence>
"#
        )
    };
    for (user, pw, activity) in [
        ("carol", "carolpw", ""),
        (
            "dave",
            "davepw",
            "<rpid:activities><rpid:away/></rpid:activities>",
        ),
        ("erin", "erinpw", ""),
    ] {
        sipp::publish(kam.port, user, pw, &pidf(user, activity)).expect("PUBLISH answered 200");
    }
    let dir = run_dir("e2e-receptionist");
    let people = [
        ("Alice Adams", "alice", "Reception"),
        ("Bob Brown", "bob", "Sales"),
        ("Carol Clark", "carol", "Sales"),
        ("Dave Davis", "dave", "Sales"),
        ("Erin Evans", "erin", "Support"),
    ];
    let mut extra = String::new();
    for (name, user, dept) in people {
        extra.push_str(&format!(
            "[[contact]]\nname = \"{name}\"\nuri = \"sip:{user}@127.0.0.1\"\ndepartment = \"{dept}\"\n"
        ));
    }
    let cfg = write_config(&dir, kam.port, "udp", ("attendant", "secret"), &[], &extra);
    let console = Console::start(&dir, &["--config", &cfg.to_string_lossy()]);
    let available = presence_glyph(switchboard::presence::Presence::Available);
    console.wait_for(Duration::from_secs(20), "everyone, Carol available", |s| {
        people.iter().all(|(n, _, _)| shows(s, n))
            && shows(s, "5 active · 0 pending · 0 failed")
            && row_with(s, "Carol Clark").is_some_and(|r| r.contains(available))
    });

    // (a) The department's name, then F3: only who is free in Sales.
    console.tmux.type_text("sales");
    console.wait_for(Duration::from_secs(5), "Sales", |s| {
        ["Bob Brown", "Carol Clark", "Dave Davis"]
            .iter()
            .all(|n| shows(s, n))
            && !shows(s, "Alice Adams")
            && !shows(s, "Erin Evans")
    });
    console.tmux.key("F3");
    let screen = console.wait_for(Duration::from_secs(5), "available in Sales", |s| {
        shows(s, "Carol Clark")
            && !shows(s, "Bob Brown")
            && !shows(s, "Dave Davis")
            && !shows(s, "Erin Evans")
            && shows(s, "available only")
    });
    assert!(
        shows(&screen, "── Sales (1)"),
        "the department heading stays:\n{}",
        screen.join("\n")
    );
    // The same typed as a filter.
    console.tmux.key("Escape");
    console.tmux.key("F3");
    console.tmux.type_text("dept:sales is:available");
    console.wait_for(Duration::from_secs(5), "dept:sales is:available", |s| {
        shows(s, "Carol Clark") && !shows(s, "Bob Brown") && !shows(s, "Dave Davis")
    });
    console.tmux.key("Escape");

    // (b) alice calls bob: F6 selects Bob's ringing phone and opens the
    // details, where the caller is named from the directory.
    let call = sipp::start_call(kam.port, ("alice", "alicepw"), ("bob", "bobpw"), 6000, 500);
    let ringing = ringing_glyph();
    console.wait_for(Duration::from_secs(10), "Bob ringing", |s| {
        // The cell names the caller, so Bob's own name may be cut.
        shows(s, &format!("{ringing} Bob B")) && shows(s, "ringing: Bob Brown")
    });
    console.tmux.key("F6");
    let screen = console.wait_for(
        Duration::from_secs(5),
        "Bob's details with the caller",
        |s| {
            shows(s, "Details")
                && row_with(s, "Caller").is_some_and(|r| r.contains("Alice Adams"))
                && shows(s, "sip:bob@127.0.0.1")
        },
    );
    assert!(
        shows(&screen, "←Alice Adams"),
        "the ringing cell names the caller:\n{}",
        screen.join("\n")
    );
    call.wait().expect("the call completed");

    // (c) F10 asks first; Ctrl-Q quits at once.
    console.tmux.key("F10");
    console.wait_for(Duration::from_secs(5), "the quit question", |s| {
        shows(s, "Quit Switchboard?")
    });
    console.tmux.key("n");
    console.wait_for(Duration::from_secs(5), "the question gone", |s| {
        !shows(s, "Quit Switchboard?")
    });
    console.quit_and_check_terminal("C-q", &["Carol Clark"]);
}
