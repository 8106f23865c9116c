//! The commands that run the engines until they are told to stop: `watch`,
//! the console, and the one-shot look at our own presence.

use std::process::ExitCode;
use std::time::Duration;

use switchboard::config::{self, Config, exit};
use switchboard::runtime::console::{ConsoleOptions, run_console};
use switchboard::runtime::publisher::{self, StatusLink};
use switchboard::runtime::{self, sip_driver::SipHandle, watch_run};
use switchboard::sip::engine::Transport;
use switchboard::store::{ContactId, Store};

use super::start::{reload_setup, start};

pub(super) async fn watch(
    cfg: Option<Config>,
    running: Option<Config>,
    mut opts: watch_run::WatchOptions,
    seed: u64,
    speed: f64,
) -> anyhow::Result<ExitCode> {
    let hide_peers = cfg.as_ref().is_some_and(|c| c.ui.hide_peers);
    let voicemail = cfg.as_ref().and_then(|c| c.telephony.voicemail.clone());
    let (driver, t) = match start(cfg, seed, speed).await? {
        Ok(started) => started,
        Err(code) => return Ok(code),
    };
    let mut store = Store::new(t.contacts);
    store.set_voicemail_pilot(voicemail);
    store.set_hide_peers(hide_peers);
    store.set_servers(driver.servers(), t.preferred);
    opts.reload = reload_setup(running, &driver);
    for (id, lines) in &t.lines {
        store.set_lines(*id, lines.clone());
    }
    let mut stdout = std::io::stdout();
    let end = watch_run::run(driver, store, opts, &mut stdout).await?;
    if let Some(demo) = t.demo {
        demo.shutdown().await;
    }
    Ok(match end {
        watch_run::WatchEnd::Done | watch_run::WatchEnd::Signal(_) => ExitCode::from(exit::OK),
        watch_run::WatchEnd::ServerFailure(why) => {
            eprintln!("switchboard: {why}");
            ExitCode::from(exit::SERVER)
        }
    })
}

pub(super) async fn console(
    cfg: Option<Config>,
    running: Option<Config>,
    mut opts: ConsoleOptions,
    seed: u64,
    speed: f64,
) -> anyhow::Result<ExitCode> {
    let (driver, t) = match start(cfg, seed, speed).await? {
        Ok(started) => started,
        Err(code) => return Ok(code),
    };
    if let Some(demo) = &t.demo {
        opts.demo_hint = Some(format!(
            "demo office on {} - to use your server, write {}",
            demo.addr,
            config::default_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "a config.toml".into())
        ));
        opts.own_uri = Some(demo.account.0.clone());
        // The demo's account is this process's: its keeper runs in here.
        let (uri, user, password) = demo.account.clone();
        let mut p =
            switchboard::sip::publication::PublicationConfig::new(&uri, demo.addr, Transport::Udp);
        p.auth_user = user;
        p.password = (!password.is_empty()).then_some(password);
        p.seed = runtime::seed_from_clock();
        opts.status = Some(StatusLink::InProcess(publisher::spawn_in_process(
            publisher::KeeperConfig {
                publication: p,
                server: demo.addr,
                status: opts.status_config.clone(),
                tls: None,
            },
        )));
    }
    opts.servers = (driver.servers().to_vec(), t.preferred);
    opts.reload = reload_setup(running, &driver);
    opts.lines = t.lines.clone();
    let result = run_console(opts, t.contacts, driver).await;
    if let Some(demo) = t.demo {
        demo.shutdown().await;
    }
    result.map(|()| ExitCode::from(exit::OK))
}

/// What the server says about our own presence now: one subscription to
/// our own URI (presence only), its first document, then un-SUBSCRIBE.
pub(crate) async fn own_presence(cfg: &Config) -> anyhow::Result<String> {
    use switchboard::sip::events::EngineEvent;
    let server = cfg.server.socket_addr()?;
    let mut engine = runtime::engine_config(cfg, runtime::seed_from_clock());
    engine.dialog = false;
    let me = [(ContactId(0), cfg.account.uri.clone())];
    let mut driver = SipHandle::start(engine, server, &me).await?;
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(ev) = driver.next_event().await {
            match ev {
                EngineEvent::Presence { doc, .. } => {
                    let mut line = doc.presence.as_str().to_string();
                    if let Some(a) = &doc.availability {
                        line.push_str(&format!(" · {}", a.as_str()));
                    }
                    if let Some(n) = &doc.note {
                        line.push_str(&format!(" · {n:?}"));
                    }
                    return Ok(format!("{line} (what a watcher sees now)"));
                }
                EngineEvent::Subscription { status, .. }
                    if status.severity() == switchboard::presence::Severity::Refused =>
                {
                    return Err(anyhow::anyhow!("the server refuses: {}", status.label()));
                }
                _ => {}
            }
        }
        Err(anyhow::anyhow!("the connection ended"))
    })
    .await
    .unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within 5 s")));
    driver.shutdown(Duration::from_secs(1)).await;
    answer
}
