//! Before any command runs: the configuration loaded and checked, the
//! directory files read, and the engines started towards their servers
//! (or the embedded demo).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use switchboard::config::{self, Config, ConfigError, exit};
use switchboard::demo::{self, DemoHandle, DemoOptions};
use switchboard::runtime;
use switchboard::runtime::directory::DirectoryFeed;
use switchboard::runtime::reload::ReloadSetup;
use switchboard::runtime::servers::{self as hub, ServerHub, ServerSpec};
use switchboard::sip::engine::{EngineConfig, Transport};
use switchboard::store::{ContactId, ContactInfo};

/// Read the `[directory]` files once, before the engine starts: the
/// configuration's contacts become the merged directory (so the engine, the
/// model and `watch` start with every contact); the feed keeps what the
/// console needs to reload it.
pub(super) fn directory_feed(cfg: Option<&mut Config>) -> Option<DirectoryFeed> {
    let cfg = cfg.filter(|c| !c.directory.is_empty())?;
    let feed = DirectoryFeed::load(std::mem::take(&mut cfg.contacts), cfg.directory.clone());
    for p in &feed.initial.problems {
        tracing::warn!("directory: {p}");
    }
    cfg.contacts = feed
        .initial
        .entries
        .iter()
        .map(|e| e.info.clone())
        .collect();
    // A directory file's `lines` column / vCard TELs; `[[contact]]` lines win.
    for e in &feed.initial.entries {
        let lines = switchboard::directory::lines::lines_of(e);
        let known = cfg.contact_lines.iter().any(|(u, _)| *u == e.info.uri);
        if !lines.is_empty() && !known {
            cfg.contact_lines.push((e.info.uri.clone(), lines));
        }
    }
    Some(feed)
}

/// The demo office's people (what a console without configuration shows).
pub(super) fn demo_contacts() -> Vec<ContactInfo> {
    demo::directory::load(0)
        .map(|people| people.iter().map(|p| p.contact_info("127.0.0.1")).collect())
        .unwrap_or_default()
}

/// Load the configuration the user pointed at (or the default one).
/// `status_only`: a user who only sets their own status needs no contacts
/// (that warning is for the console).
pub(super) fn load_config(
    cli: Option<&Path>,
    status_only: bool,
) -> Result<Option<Config>, ConfigError> {
    let Some(src) = config::locate(cli, std::env::var_os(config::CONFIG_ENV)) else {
        return Ok(None);
    };
    let cfg = config::load(src.path())?;
    let console_only = |w: &&String| status_only && w.contains("[[contact]]");
    for w in cfg.warnings.iter().filter(|w| !console_only(w)) {
        eprintln!("switchboard: warning: {w}");
    }
    Ok(Some(cfg))
}

/// What the engines connect to: the configured servers, or the demo.
pub(crate) struct Target {
    pub(crate) specs: Vec<ServerSpec>,
    /// The preferred server's id.
    pub(crate) preferred: Option<switchboard::store::ServerId>,
    pub(crate) contacts: Vec<ContactInfo>,
    pub(crate) demo: Option<DemoHandle>,
    /// Each contact's other lines (`lines`).
    pub(crate) lines: Vec<(ContactId, Vec<String>)>,
}

async fn target(
    cfg: Option<Config>,
    seed: u64,
    speed: f64,
) -> anyhow::Result<Result<Target, String>> {
    let Some(cfg) = cfg else {
        // No configuration: the embedded demo office, with digest auth so
        // the console takes exactly its normal path.
        let password = format!("demo-{:08x}", runtime::seed_from_clock() as u32);
        let opts = DemoOptions {
            seed,
            speed,
            credentials: Some((demo::DEFAULT_ACCOUNT.to_string(), password)),
            ..DemoOptions::default()
        };
        let handle = demo::spawn(opts)
            .await
            .context("cannot start the embedded demo server")?;
        let (uri, user, password) = handle.account.clone();
        let mut engine =
            EngineConfig::new(&uri, &handle.addr.to_string(), handle.addr, Transport::Udp);
        engine.auth_user = user;
        engine.password = (!password.is_empty()).then_some(password);
        engine.seed = runtime::seed_from_clock();
        return Ok(Ok(Target {
            specs: vec![ServerSpec {
                id: 0,
                name: "demo".into(),
                engine,
                addr: handle.addr,
            }],
            preferred: None,
            contacts: handle.contacts.clone(),
            demo: Some(handle),
            lines: Vec::new(),
        }));
    };
    // Ids in file order (a reload numbers new servers after these).
    let mut next = 0;
    let specs = match hub::specs(&cfg, runtime::seed_from_clock(), |_| {
        next += 1;
        next - 1
    }) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let preferred = cfg
        .servers
        .iter()
        .position(|s| s.preferred)
        .and_then(|i| u16::try_from(i).ok());
    let lines = runtime::contact_lines(&cfg.contact_lines, &cfg.contacts);
    Ok(Ok(Target {
        specs,
        preferred,
        contacts: cfg.contacts,
        demo: None,
        lines,
    }))
}

fn targets(contacts: &[ContactInfo]) -> Vec<(ContactId, String)> {
    contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (ContactId(i as u32), c.uri.clone()))
        .collect()
}

/// The engine started towards its server (or the demo); `Err`: the exit
/// code after a one-line message on stderr.
pub(crate) async fn start(
    cfg: Option<Config>,
    seed: u64,
    speed: f64,
) -> anyhow::Result<Result<(ServerHub, Target), ExitCode>> {
    let t = match target(cfg, seed, speed).await? {
        Ok(t) => t,
        Err(why) => {
            eprintln!("switchboard: {why}");
            return Ok(Err(ExitCode::from(exit::SERVER)));
        }
    };
    if let Some(why) = t.specs.iter().find_map(|s| runtime::tls::check(&s.engine)) {
        eprintln!("switchboard: {why}");
        return Ok(Err(ExitCode::from(exit::CONFIG)));
    }
    let driver = ServerHub::start(t.specs.clone(), &targets(&t.contacts))
        .await
        .context("cannot open a socket towards the server")?;
    Ok(Ok((driver, t)))
}

/// What the configuration reloader needs: the file, the configuration
/// as loaded, the running servers' ids and the hub that runs them.
pub(super) fn reload_setup(running: Option<Config>, hub: &ServerHub) -> Option<ReloadSetup> {
    let config = running?;
    Some(ReloadSetup {
        path: config.path.clone(),
        config: Some(switchboard::runtime::reload::kept(config)),
        ids: hub
            .servers()
            .iter()
            .map(|(id, n)| (n.clone(), *id))
            .collect(),
        changes: Some(hub.changes()),
    })
}
