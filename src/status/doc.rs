//! What we publish, as the PIDF document of a PUBLISH.

use jiff::Timestamp;

use super::auto::Published;
use crate::body::pidf::{Extras, build_with};

/// The document for `entity` (our AOR). The until goes into the RFC 4480
/// `until` attribute of the activities (UTC, RFC 3339).
pub fn document(entity: &str, p: &Published) -> Vec<u8> {
    let until = p.until.map(rfc3339);
    build_with(
        entity,
        p.presence,
        p.note.as_deref(),
        p.availability.as_ref(),
        None,
        Extras {
            other: p.other,
            until: until.as_deref(),
            source: (p.source == super::auto::Source::Calendar).then_some("calendar"),
        },
    )
    .into_bytes()
}

fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::super::auto::{Published, Source};
    use super::super::{Chosen, OwnStatus};
    use super::*;
    use crate::body::pidf::parse;
    use crate::presence::{Availability, Presence};

    fn doc_for(status: &OwnStatus) -> crate::body::PresenceDoc {
        let p = Published::chosen(status);
        let bytes = document("sip:alice@example.test", &p);
        parse(&bytes).expect("our own document parses")
    }

    #[test]
    fn every_chosen_state_reads_back_as_itself() {
        for state in Chosen::ALL {
            let doc = doc_for(&OwnStatus::plain(state));
            assert_eq!(doc.presence, state.presence(), "{state:?}");
        }
    }

    #[test]
    fn inactive_reads_back_as_inactive() {
        let mut p = Published::chosen(&OwnStatus::plain(Chosen::Available));
        p.presence = Presence::Inactive;
        p.source = Source::Idle;
        let doc = parse(&document("sip:alice@example.test", &p)).expect("parses");
        assert_eq!(doc.presence, Presence::Inactive);
    }

    #[test]
    fn a_calendar_state_reads_back_naming_the_calendar() {
        let mut p = Published::chosen(&OwnStatus::plain(Chosen::Busy));
        p.source = Source::Calendar;
        let doc = parse(&document("sip:alice@example.test", &p)).expect("parses");
        assert_eq!(doc.presence, Presence::Busy);
        assert!(doc.rule.contains("calendar"), "{}", doc.rule);
        let chosen = parse(&document(
            "sip:alice@example.test",
            &Published::chosen(&OwnStatus::plain(Chosen::Busy)),
        ))
        .expect("parses");
        assert!(!chosen.rule.contains("calendar"), "{}", chosen.rule);
    }

    #[test]
    fn note_and_availability_read_back_escaped() {
        let status = OwnStatus {
            state: Chosen::Away,
            availability: Some(Availability::Vacation),
            note: Some("Back <Monday> & ask \"Bob\"".into()),
            until: Some("2026-12-14T00:00:00Z".parse().expect("ts")),
        };
        let p = Published::chosen(&status);
        assert_eq!(p.source, Source::Chosen);
        let bytes = document("sip:alice@example.test", &p);
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.contains("until=\"2026-12-14T00:00:00Z\""), "{text}");
        assert!(text.contains("&lt;Monday&gt; &amp;"), "{text}");
        let doc = parse(&bytes).expect("parses");
        assert_eq!(doc.presence, Presence::Away);
        assert_eq!(doc.availability, Some(Availability::Vacation));
        assert_eq!(doc.note.as_deref(), Some("Back <Monday> & ask \"Bob\""));
        assert_eq!(
            doc.until.as_deref(),
            Some("2026-12-14T00:00:00Z"),
            "the return time"
        );
    }
}
