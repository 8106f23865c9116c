//! The keeper in this process against the embedded demo server (real UDP,
//! real clock): set, idle → Inactive and back, clear.

use std::time::Duration;

use super::*;
use crate::config::StatusConfig;
use crate::sip::publication::PublicationConfig;

async fn keeper() -> (crate::demo::DemoHandle, StatusLink) {
    let opts = crate::demo::DemoOptions {
        credentials: Some((crate::demo::DEFAULT_ACCOUNT.to_string(), "pw".into())),
        ..crate::demo::DemoOptions::default()
    };
    let demo = crate::demo::spawn(opts).await.expect("demo server");
    let (uri, user, password) = demo.account.clone();
    let mut p = PublicationConfig::new(&uri, demo.addr, crate::sip::Transport::Udp);
    p.auth_user = user;
    p.password = Some(password);
    let link = StatusLink::InProcess(spawn_in_process(KeeperConfig {
        publication: p,
        server: demo.addr,
        status: StatusConfig::default(),
    }));
    (demo, link)
}

fn set(state: &str, note: Option<&str>) -> Request {
    Request::Set {
        state: state.into(),
        availability: None,
        note: note.map(str::to_string),
        until: None,
        by: "test".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_publishes_inactive_over_available_and_a_key_brings_it_back() {
    let (demo, link) = keeper().await;
    let within = Duration::from_secs(10);
    let r = tokio::time::timeout(within, link.ask(set("available", None), true))
        .await
        .expect("answered")
        .expect("published");
    assert!(r.etag.is_some(), "the server holds it: {r:?}");
    let idle = tokio::time::timeout(within, link.ask(Request::Idle { idle: true }, true))
        .await
        .expect("answered")
        .expect("published");
    let p = idle.published.expect("published");
    assert_eq!(
        (p.state.as_str(), p.source.as_deref()),
        ("inactive", Some("idle"))
    );
    let back = tokio::time::timeout(within, link.ask(Request::Idle { idle: false }, true))
        .await
        .expect("answered")
        .expect("published");
    assert_eq!(back.published.expect("published").state, "available");
    // Busy is not turned into Inactive.
    link.ask(set("busy", Some("Call")), true)
        .await
        .expect("busy");
    let still = link
        .ask(Request::Idle { idle: true }, true)
        .await
        .expect("idle");
    assert_eq!(still.published.expect("published").state, "busy");
    let cleared =
        tokio::time::timeout(within, link.ask(Request::Clear { by: "test".into() }, true))
            .await
            .expect("answered")
            .expect("removed");
    assert!(cleared.etag.is_none(), "{cleared:?}");
    demo.shutdown().await;
}
