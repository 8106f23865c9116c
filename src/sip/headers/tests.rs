use super::*;

#[test]
fn sip_uri_parses_user_host_port_params_and_keeps_dots() {
    let u = SipUri::parse("sip:first.last@Example.TEST:5070;transport=tcp;lr").unwrap();
    assert_eq!(u.scheme, "sip");
    assert_eq!(u.user.as_deref(), Some("first.last"));
    assert_eq!(u.host, "Example.TEST");
    assert_eq!(u.port, Some(5070));
    assert_eq!(u.param("transport"), Some("tcp"));
    assert_eq!(u.param("lr"), Some(""));
    assert_eq!(u.aor(), "sip:first.last@example.test");
    assert_eq!(u.host_port(), "Example.TEST:5070");
    assert_eq!(
        u.to_string(),
        "sip:first.last@Example.TEST:5070;transport=tcp;lr"
    );

    let v6 = SipUri::parse("sips:[::1]:5061").unwrap();
    assert_eq!(
        (v6.scheme.as_str(), v6.host.as_str(), v6.port),
        ("sips", "[::1]", Some(5061))
    );
    assert_eq!(v6.aor(), "sips:[::1]");
    assert_eq!(
        SipUri::parse("SIP:127.0.0.1").unwrap().to_string(),
        "sip:127.0.0.1"
    );
}

#[test]
fn bad_sip_uris_say_what_is_wrong() {
    for (input, reason) in [
        ("tel:+123", "scheme is not sip or sips"),
        ("bob@example.test", "no scheme (expected sip: or sips:)"),
        ("sip:@example.test", "empty user part"),
        ("sip:bob@", "missing or bad host"),
        ("sip:bob@host:99999", "bad port number"),
        ("sip:[::1", "unclosed IPv6 bracket"),
    ] {
        let err = SipUri::parse(input).unwrap_err();
        assert_eq!(err, invalid("URI", input, reason), "{input}");
        assert!(err.to_string().contains(input), "{err}");
    }
}

#[test]
fn name_addr_forms() {
    let n = NameAddr::parse(
        "\"Bob \\\"B\\\" Smith\" <sip:bob@example.test;transport=tcp>;tag=x1;expires=60",
    )
    .unwrap();
    assert_eq!(n.display.as_deref(), Some("Bob \"B\" Smith"));
    assert_eq!(n.uri, "sip:bob@example.test;transport=tcp");
    assert_eq!(n.tag(), Some("x1"));
    assert_eq!(n.param("EXPIRES"), Some("60"));

    let n = NameAddr::parse("sip:alice@example.test;tag=abc").unwrap();
    assert_eq!(
        (n.display.as_deref(), n.uri.as_str(), n.tag()),
        (None, "sip:alice@example.test", Some("abc"))
    );

    let n = NameAddr::parse("Carol Jones <sip:carol@example.test>").unwrap();
    assert_eq!(n.display.as_deref(), Some("Carol Jones"));
    assert_eq!(n.tag(), None);

    let n = NameAddr::parse("\"a <b>\" <sip:x@y>").unwrap();
    assert_eq!(
        (n.display.as_deref(), n.uri.as_str()),
        (Some("a <b>"), "sip:x@y")
    );
    assert_eq!(n.to_string(), "\"a <b>\" <sip:x@y>");

    let n = NameAddr::parse("<sip:127.0.0.1:5060>").unwrap();
    assert_eq!(
        (n.display.as_deref(), n.uri.as_str()),
        (None, "sip:127.0.0.1:5060")
    );

    for bad in [
        "",
        "<sip:x@y",
        "\"unterminated <sip:x@y>",
        "<>",
        "<sip:x@y> junk",
        "just words",
    ] {
        assert!(NameAddr::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn cseq_and_via_branch() {
    assert_eq!(
        parse_cseq("2 NOTIFY").unwrap(),
        CSeq {
            seq: 2,
            method: Method::Notify
        }
    );
    assert_eq!(parse_cseq(" 10  SUBSCRIBE ").unwrap().seq, 10);
    for bad in [
        "NOTIFY",
        "x NOTIFY",
        "1 NOTIFY extra",
        "99999999999 NOTIFY",
        "",
    ] {
        assert!(parse_cseq(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        via_branch("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK70be.8be9ed24.0").as_deref(),
        Some("z9hG4bK70be.8be9ed24.0")
    );
    assert_eq!(
        via_branch("SIP/2.0/TCP a:5060;rport;Branch=z9hG4bK-1 , SIP/2.0/UDP b;branch=z9hG4bK-2")
            .as_deref(),
        Some("z9hG4bK-1")
    );
    assert_eq!(via_branch("SIP/2.0/UDP a:5060;rport"), None);
}

#[test]
fn subscription_state_values() {
    assert_eq!(
        parse_subscription_state("active;expires=120").unwrap(),
        SubscriptionState::Active { expires: Some(120) }
    );
    assert_eq!(
        parse_subscription_state("Pending").unwrap(),
        SubscriptionState::Pending { expires: None }
    );
    assert_eq!(
        parse_subscription_state("terminated;reason=timeout").unwrap(),
        SubscriptionState::Terminated {
            reason: Some(TerminationReason::Timeout),
            retry_after: None
        }
    );
    assert_eq!(
        parse_subscription_state("terminated; reason=Probation ; retry-after=30").unwrap(),
        SubscriptionState::Terminated {
            reason: Some(TerminationReason::Probation),
            retry_after: Some(30)
        }
    );
    assert_eq!(
        parse_subscription_state("terminated;reason=new-thing").unwrap(),
        SubscriptionState::Terminated {
            reason: Some(TerminationReason::Other("new-thing".into())),
            retry_after: None
        }
    );
    // Unknown substate: pending.
    assert_eq!(
        parse_subscription_state("waiting;expires=10").unwrap(),
        SubscriptionState::Pending { expires: Some(10) }
    );
    let err = parse_subscription_state("active;expires=soon").unwrap_err();
    assert!(err.to_string().contains("Subscription-State"), "{err}");
    assert!(parse_subscription_state("").is_err());
}

#[test]
fn event_expires_retry_after_etag_content_type() {
    assert_eq!(
        parse_event("Presence").unwrap(),
        EventHeader {
            package: "presence".into(),
            id: None
        }
    );
    assert_eq!(
        parse_event("dialog;id=42").unwrap(),
        EventHeader {
            package: "dialog".into(),
            id: Some("42".into())
        }
    );
    assert_eq!(
        parse_event("presence.winfo").unwrap().package,
        "presence.winfo"
    );
    assert!(parse_event(" ;id=1").is_err());

    assert_eq!(parse_expires(" 3600 "), Ok(3600));
    assert_eq!(parse_expires("99999999999"), Ok(u32::MAX));
    assert!(parse_expires("-1").is_err());
    assert!(parse_expires("").is_err());

    assert_eq!(parse_retry_after("120 (comment);duration=60"), Ok(120));
    assert_eq!(parse_retry_after("30"), Ok(30));
    assert_eq!(parse_retry_after("30;duration=5"), Ok(30));
    assert!(parse_retry_after("soon").is_err());
    assert!(parse_retry_after("30x").is_err());

    assert_eq!(parse_etag(" dx200xyz ").as_deref(), Ok("dx200xyz"));
    assert!(parse_etag("two words").is_err());
    assert!(parse_etag("").is_err());

    assert!(content_type_is(
        "application/pidf+xml;charset=UTF-8",
        "application/pidf+xml"
    ));
    assert!(content_type_is(
        "Application/PIDF+XML",
        "application/pidf+xml"
    ));
    assert!(content_type_is(
        "multipart/related;type=\"application/rlmi+xml\"",
        "multipart/related"
    ));
    assert!(!content_type_is(
        "application/pidf-diff+xml",
        "application/pidf+xml"
    ));
}

#[test]
fn an_event_header_names_one_of_our_kinds_or_none() {
    use crate::presence::EventKind;
    assert_eq!(
        parse_event("Presence;id=1").unwrap().kind(),
        Some(EventKind::Presence)
    );
    assert_eq!(
        parse_event("dialog").unwrap().kind(),
        Some(EventKind::Dialog)
    );
    assert_eq!(parse_event("presence.winfo").unwrap().kind(), None);
    assert_eq!(
        parse_event("message-summary").unwrap().kind(),
        Some(EventKind::MessageSummary)
    );
    assert_eq!(parse_event("reg").unwrap().kind(), Some(EventKind::Reg));
}

/// The allocating reading `via_branch_ref` replaced, kept as the reference.
fn via_branch_by_split(via_value: &str) -> Option<String> {
    let first = split_outside_quotes(via_value, ',').into_iter().next()?;
    split_outside_quotes(first, ';')
        .into_iter()
        .skip(1)
        .find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("branch")
                .then(|| value.trim().to_string())
        })
        .filter(|b| !b.is_empty())
}

#[test]
fn the_branch_read_in_place_is_the_branch_read_by_splitting() {
    let pieces = [
        "SIP/2.0/UDP a",
        ";branch=z9hG4bK-1",
        ";BRANCH = b2 ",
        ";rport",
        ";branch=",
        ";x=\"q;branch=in-quotes\"",
        ",",
        ", SIP/2.0/TCP b;branch=second",
        "\"",
        "\\\"",
        ";branch=\"quoted;x\"",
        ";=",
        ";branch",
        "é;branch=é",
    ];
    let mut checked = 0;
    for a in pieces {
        for b in pieces {
            for c in pieces {
                let via = format!("{a}{b}{c}");
                assert_eq!(
                    via_branch_ref(&via).map(str::to_string),
                    via_branch_by_split(&via),
                    "{via:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, pieces.len().pow(3));
}

#[test]
fn the_byte_search_outside_quotes_agrees_with_the_char_search() {
    fn by_chars(s: &str, needle: char) -> Option<usize> {
        let (mut quoted, mut escaped) = (false, false);
        for (i, c) in s.char_indices() {
            if escaped {
                escaped = false;
            } else if quoted && c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = !quoted;
            } else if c == needle && !quoted {
                return Some(i);
            }
        }
        None
    }
    let pieces = [
        "a", ";", ",", "<", "\"", "\\", "é", "\\é", "\\\"", "€;", " ",
    ];
    for a in pieces {
        for b in pieces {
            for c in pieces {
                for d in pieces {
                    let s = format!("{a}{b}{c}{d}");
                    for needle in [';', ',', '<', '>'] {
                        assert_eq!(
                            find_byte_outside_quotes(&s, needle as u8),
                            by_chars(&s, needle),
                            "{s:?} {needle:?}"
                        );
                        assert_eq!(find_outside_quotes(&s, needle), by_chars(&s, needle));
                    }
                }
            }
        }
    }
}
