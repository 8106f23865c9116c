use super::*;

fn uri(s: &str) -> SipUri {
    SipUri::parse(s).unwrap()
}

/// RFC 3261 19.1.4's own examples of equal URIs, plus host case and
/// unreserved escapes.
#[test]
fn equal_by_rfc_3261_19_1_4() {
    for (a, b) in [
        (
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp",
        ),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
        (
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
        ),
        (
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
        ),
        ("SIP:bob@Example.TEST", "sip:bob@example.test"),
        ("sip:bob@[2001:DB8::1]:5060", "sip:bob@[2001:db8::1]:5060"),
    ] {
        let (ua, ub) = (uri(a), uri(b));
        assert!(ua.same_as(&ub) && ub.same_as(&ua), "{a} == {b}");
        assert_eq!(ua.key(), ub.key(), "{a} and {b} must hash alike");
    }
}

/// RFC 3261 19.1.4's examples of different URIs, plus a parameter both
/// carry with different values.
#[test]
fn different_by_rfc_3261_19_1_4() {
    for (a, b) in [
        (
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:alice@AtLanTa.CoM;Transport=UDP",
        ),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
        (
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com:6000;transport=tcp",
        ),
        (
            "sip:carol@chicago.com",
            "sip:carol@chicago.com?Subject=next%20meeting",
        ),
        ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
        ("sip:bob@h", "sips:bob@h"),
        ("sip:bob@h", "sip:bob@h;user=phone"),
        ("sip:bob@h", "sip:bob@h;maddr=239.255.255.1"),
        ("sip:bob@h;ttl=1", "sip:bob@h;ttl=2"),
        ("sip:bob@h;foo=1", "sip:bob@h;foo=2"),
        ("sip:a%3Ab@h", "sip:a:b@h"),
    ] {
        let (ua, ub) = (uri(a), uri(b));
        assert!(!ua.same_as(&ub) && !ub.same_as(&ua), "{a} != {b}");
    }
}

#[test]
fn uri_map_keeps_apart_what_the_rule_keeps_apart() {
    let mut map = UriMap::default();
    assert!(map.insert(uri("sip:a@h"), 1).is_ok());
    assert!(map.insert(uri("sip:a@h:5060"), 2).is_ok());
    assert!(
        map.insert(uri("sip:a@h;foo=1"), 3).is_err(),
        "same as sip:a@h"
    );
    assert_eq!(map.insert(uri("SIP:a@H"), 4), Err(&1));
    assert_eq!(map.get(&uri("sip:a@H")), Some(&1));
    assert_eq!(map.get(&uri("sip:a@h:5060;lr")), Some(&2));
    assert_eq!(map.get(&uri("sip:A@h")), None, "the user is case-sensitive");
    assert_eq!(map.get(&uri("sip:a@h:5070")), None);
}

#[test]
fn parts_display_and_loose_forms() {
    let u = uri("sip:al%69ce@h.test:5070;lr?subject=hi&x=1");
    assert_eq!(u.user_unescaped().as_deref(), Some("alice"));
    assert_eq!(u.headers.len(), 2);
    assert_eq!(u.to_string(), "sip:al%69ce@h.test:5070;lr?subject=hi&x=1");
    let loose = SipUri::parse_loose("\"Bob\" <sip:bob@h.test>;tag=1").unwrap();
    assert!(loose.same_as(&uri("sip:bob@h.test")));
    assert!(SipUri::parse_loose("bob").is_none());
}

#[test]
fn ipv6_references_are_addresses_by_rfc_4291() {
    for good in [
        "sip:[2001:db8::10]",
        "sip:u@[2001:db8::192.0.2.1]:5070",
        "sip:[::ffff:192.0.2.2]",
        "sip:[fe80::1%25eth0]",
    ] {
        assert!(SipUri::parse(good).is_ok(), "{good}");
    }
    // RFC 5118 4.10: the three-colon form RFC 3261's grammar let through.
    for bad in [
        "sip:u@[2001:db8:::192.0.2.1]",
        "sip:[2001:db8::10",
        "sip:[x]",
    ] {
        assert!(SipUri::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_parameter_given_twice_is_refused() {
    // Found by the sip_codec fuzz target (fuzz/regressions/sip_codec/
    // uri-param-twice-not-same-as-itself): `;x=1;x=2` made a URI differ
    // from itself by RFC 3261 19.1.4, so a map could not find it.
    let e = SipUri::parse("sip:carol@h;x=1;X=2")
        .unwrap_err()
        .to_string();
    assert!(e.contains("a parameter given twice"), "{e}");
    assert!(SipUri::parse("sip:carol@h;x=1;y=1").is_ok());
}
