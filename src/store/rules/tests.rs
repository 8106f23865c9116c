use super::*;
use crate::body::pidf;

const ACTIVE: SubscriptionStatus = SubscriptionStatus::Active;

fn doc(presence: Presence, forwarding: Option<Forwarding>) -> PresenceDoc {
    pidf::parse(
        pidf::build(
            "sip:a@x",
            presence,
            Some("my note"),
            None,
            forwarding.as_ref(),
        )
        .as_bytes(),
    )
    .unwrap()
}

fn dialog(id: &str, state: DialogState, direction: Option<Direction>) -> DialogEntry {
    DialogEntry {
        id: id.into(),
        state,
        direction,
        remote_identity: Some(format!("sip:{id}@x")),
        remote_display: None,
    }
}

fn inputs<'a>(presence: Option<&'a PresenceDoc>, dialogs: &'a [DialogEntry]) -> Inputs<'a> {
    Inputs {
        presence,
        presence_status: &ACTIVE,
        presence_stale: false,
        presence_unreadable: None,
        dialogs,
        dialog_received: true,
        dialog_status: &ACTIVE,
        dialog_stale: false,
        dialog_unreadable: None,
        registered: None,
        lines: &[],
    }
}

use DialogState::*;
use Direction::*;

#[test]
fn ringing_beats_active_beats_ready() {
    let ringing = dialog("in", Early, Some(Recipient));
    let active = dialog("talk", Confirmed, Some(Initiator));
    let both = [active.clone(), ringing.clone()];
    let c = combine(&inputs(None, &both));
    assert_eq!(c.line, LineState::Ringing);
    assert_eq!(c.peer.map(|d| d.id.as_str()), Some("in"));
    assert_eq!((c.source, c.rule), (Source::Dialog, RULE_RINGING));

    let one = [active];
    let c = combine(&inputs(None, &one));
    assert_eq!(c.line, LineState::Active);
    assert_eq!(c.peer.map(|d| d.id.as_str()), Some("talk"));

    let c = combine(&inputs(None, &[]));
    assert_eq!((c.line, c.peer), (LineState::Ready, None));
}

#[test]
fn only_calls_towards_the_contact_ring() {
    for (state, direction, line) in [
        (Trying, Some(Recipient), LineState::Ringing),
        (Proceeding, Some(Recipient), LineState::Ringing),
        (Early, None, LineState::Ringing),
        (Trying, Some(Initiator), LineState::Active),
        (Early, Some(Initiator), LineState::Active),
        (Trying, None, LineState::Active),
        (Confirmed, Some(Recipient), LineState::Active),
    ] {
        let d = [dialog("d", state, direction)];
        assert_eq!(
            combine(&inputs(None, &d)).line,
            line,
            "{state:?} {direction:?}"
        );
    }
}

#[test]
fn dnd_beats_forwarded_and_protection_hides_redirection() {
    let redirected = Some(Forwarding::Redirected { target: None });
    let d = doc(Presence::Dnd, redirected.clone());
    assert_eq!(combine(&inputs(Some(&d), &[])).line, LineState::Protected);
    let d = doc(Presence::Available, redirected);
    let c = combine(&inputs(Some(&d), &[]));
    assert_eq!(
        (c.line, c.presence),
        (LineState::Redirected, Presence::Available)
    );
    let d = doc(Presence::Busy, Some(Forwarding::Protected));
    assert_eq!(combine(&inputs(Some(&d), &[])).line, LineState::Protected);
    // Do not disturb beats forwarded also during a call.
    let call = [dialog("c", Confirmed, Some(Recipient))];
    assert_eq!(combine(&inputs(Some(&d), &call)).line, LineState::Protected);
}

#[test]
fn forwarded_beats_available_and_busy_also_during_a_call() {
    let to = Some(Forwarding::Redirected {
        target: Some("sip:0171234567@pbx".into()),
    });
    let call = [dialog("c", Confirmed, Some(Recipient))];
    for p in [Presence::Available, Presence::Busy] {
        let d = doc(p, to.clone());
        for dialogs in [&[][..], &call[..]] {
            let c = combine(&inputs(Some(&d), dialogs));
            assert_eq!(
                (c.line, c.forwarded_to),
                (LineState::Redirected, Some("sip:0171234567@pbx")),
                "{p:?} with {} calls",
                dialogs.len()
            );
        }
    }
    // A call on an available person still shows them busy (rule 3)...
    let avail = doc(Presence::Available, to.clone());
    let c = combine(&inputs(Some(&avail), &call));
    assert_eq!(c.presence, Presence::Busy);
    // ...and a ringing line still rings (rule 1).
    let ringing = [dialog("r", Early, Some(Recipient))];
    let busy = doc(Presence::Busy, to);
    let c = combine(&inputs(Some(&busy), &ringing));
    assert_eq!((c.line, c.forwarded_to), (LineState::Ringing, None));
}

#[test]
fn only_the_registrar_makes_a_line_faulty() {
    let mut i = inputs(None, &[]);
    i.registered = Some(false);
    let c = combine(&i);
    assert_eq!(
        (c.line, c.source, c.rule),
        (LineState::Faulty, Source::Registration, RULE_NOT_REGISTERED)
    );
    i.registered = Some(true);
    assert_eq!(combine(&i).line, LineState::Ready);
    // No registration information (489, failing): never faulty.
    i.registered = None;
    assert_eq!(combine(&i).line, LineState::Ready);
    // A call in progress is what the phone does, whatever the registrar.
    let call = [dialog("c", Confirmed, Some(Recipient))];
    let mut i = inputs(None, &call);
    i.registered = Some(false);
    assert_eq!(combine(&i).line, LineState::Active);
}

#[test]
fn active_call_shows_available_person_busy() {
    let avail = doc(Presence::Available, None);
    let call = [dialog("c", Confirmed, Some(Recipient))];
    let c = combine(&inputs(Some(&avail), &call));
    assert_eq!(
        (c.presence, c.rule, c.source),
        (Presence::Busy, RULE_ON_THE_PHONE, Source::Dialog)
    );
    assert_eq!(c.note, Some("my note"), "the person's note stays");
    // Away stays away; a call being set up is not yet "on the phone".
    let away = doc(Presence::Away, None);
    assert_eq!(
        combine(&inputs(Some(&away), &call)).presence,
        Presence::Away
    );
    let setup = [dialog("c", Trying, Some(Initiator))];
    assert_eq!(
        combine(&inputs(Some(&avail), &setup)).presence,
        Presence::Available
    );
}

#[test]
fn refused_and_failed_subscriptions() {
    let d = doc(Presence::Busy, None);
    let not_found = SubscriptionStatus::NotFound;
    let mut i = inputs(Some(&d), &[]);
    i.presence_status = &not_found;
    let c = combine(&i);
    assert_eq!(
        (c.presence, c.source),
        (Presence::Unknown, Source::Subscription)
    );
    assert_eq!(c.rule, "presence subscription: not found");
    assert_eq!(c.note, None);
    assert_eq!(c.subscription, &not_found);

    let denied = SubscriptionStatus::AccessDenied;
    i.presence_status = &denied;
    assert_eq!(combine(&i).rule, "presence subscription: access denied");

    let error = SubscriptionStatus::Error("timeout".into());
    let mut i = inputs(Some(&d), &[]);
    i.dialog_status = &error;
    i.dialog_received = true;
    i.dialog_stale = true;
    let c = combine(&i);
    assert_eq!(
        c.line,
        LineState::Ready,
        "a line we knew keeps its last state..."
    );
    assert_eq!(c.freshness, Freshness::Stale, "...shown stale, not faulty");
    i.dialog_received = false;
    i.dialog_stale = false;
    let c = combine(&i);
    assert_eq!(
        c.line,
        LineState::Unknown,
        "a line we never learnt is unknown, not faulty"
    );
    assert_eq!(c.subscription, &error, "the worse status is shown");
}

#[test]
fn monitoring_that_fails_never_shows_a_faulty_line() {
    // Probation, giveup, a 480, a refusal, an error: our monitoring
    // failing, not the phone. Nothing read yet: unknown, with the reason.
    let down = SubscriptionStatus::Unavailable("480 Temporarily Unavailable".into());
    let error = SubscriptionStatus::Error("503 Service Unavailable".into());
    let not_found = SubscriptionStatus::NotFound;
    let denied = SubscriptionStatus::AccessDenied;
    for (status, rule) in [
        (&down, "dialog subscription: server says unavailable"),
        (&error, "dialog subscription failed"),
        (&not_found, "dialog subscription: not found"),
        (&denied, "dialog subscription: access denied"),
    ] {
        let mut i = inputs(None, &[]);
        i.dialog_status = status;
        i.dialog_received = false;
        let c = combine(&i);
        assert_eq!(
            (c.line, c.source, c.rule),
            (LineState::Unknown, Source::Subscription, rule),
            "{status:?}"
        );
        assert_ne!(c.freshness, Freshness::Fresh, "{status:?}");
        // A line read before: kept while retried, hidden once refused,
        // never faulty, never current.
        let ringing = [dialog("in", Early, Some(Recipient))];
        let mut i = inputs(None, &ringing);
        i.dialog_status = status;
        let c = combine(&i);
        if status.is_refused() {
            assert_eq!(
                (c.line, c.rule, c.freshness),
                (LineState::Unknown, rule, Freshness::Unknown),
                "{status:?}"
            );
        } else {
            assert_eq!(
                (c.line, c.freshness),
                (LineState::Ringing, Freshness::Stale),
                "{status:?}"
            );
        }
    }
}

#[test]
fn an_unreadable_body_keeps_the_last_state_not_current_on_both_sides() {
    let d = doc(Presence::Away, None);
    let talk = [dialog("talk", Confirmed, Some(Initiator))];
    let why = "unreadable dialog document: malformed XML";
    for dialog_side in [true, false] {
        let mut i = inputs(Some(&d), &talk);
        if dialog_side {
            i.dialog_unreadable = Some(why);
        } else {
            i.presence_unreadable = Some(why);
        }
        let c = combine(&i);
        assert_eq!(
            (c.presence, c.line),
            (Presence::Away, LineState::Active),
            "the last state read is kept"
        );
        assert_eq!(c.freshness, Freshness::Stale, "shown not current");
        assert_eq!(c.unreadable, Some(why));
        assert_eq!(c.subscription, &ACTIVE, "the subscription itself is up");
    }
    // Nothing read yet: unknown, never offline or faulty.
    let mut i = inputs(None, &[]);
    i.dialog_received = false;
    i.presence_unreadable = Some("unreadable presence document: wrong root");
    i.dialog_unreadable = Some(why);
    let c = combine(&i);
    assert_eq!(
        (c.presence, c.line, c.freshness),
        (Presence::Unknown, LineState::Unknown, Freshness::Unknown)
    );
    assert_eq!(
        (c.source, c.rule),
        (Source::Subscription, "unreadable presence document")
    );
}

#[test]
fn unknown_until_something_arrives() {
    let nothing = SubscriptionStatus::NotRequested;
    let i = Inputs {
        presence: None,
        presence_status: &nothing,
        presence_stale: false,
        presence_unreadable: None,
        dialogs: &[],
        dialog_received: false,
        dialog_status: &nothing,
        dialog_stale: false,
        dialog_unreadable: None,
        registered: None,
        lines: &[],
    };
    let c = combine(&i);
    assert_eq!(
        (c.presence, c.line, c.freshness),
        (Presence::Unknown, LineState::Unknown, Freshness::Unknown)
    );
    assert_eq!((c.source, c.rule), (Source::None, "nothing received yet"));
}

#[test]
fn freshness_follows_stale_marks() {
    let d = doc(Presence::Available, None);
    let mut i = inputs(Some(&d), &[]);
    assert_eq!(combine(&i).freshness, Freshness::Fresh);
    i.dialog_stale = true;
    assert_eq!(combine(&i).freshness, Freshness::Stale);
    i.dialog_stale = false;
    i.presence_stale = true;
    assert_eq!(combine(&i).freshness, Freshness::Stale);
}
