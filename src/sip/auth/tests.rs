use super::*;

const RFC2617_CHALLENGE: &str = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

fn rfc7616_challenge(algorithm: &str) -> String {
    format!(
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={algorithm}, \
nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
    )
}
const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

fn response_of(header_value: &str) -> String {
    parse_authorization(header_value).unwrap().response
}

#[test]
fn rfc2617_section_3_5_example() {
    let c = parse_challenge(RFC2617_CHALLENGE).unwrap();
    assert_eq!(c.qop, ["auth", "auth-int"]);
    assert_eq!(c.algorithm, Algorithm::Md5);
    let mut client = DigestClient::new(c, false);
    let (name, value) = client.authorize(
        "GET",
        "/dir/index.html",
        "Mufasa",
        "Circle Of Life",
        "0a4f113b",
    );
    assert_eq!(name, "Authorization");
    assert_eq!(response_of(&value), "6629fae49393a05397450978507c4ef1");
    assert!(
        value.contains("qop=auth, nc=00000001, cnonce=\"0a4f113b\""),
        "{value}"
    );
    assert!(
        value.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""),
        "{value}"
    );
    assert!(value.starts_with("Digest username=\"Mufasa\", realm=\"testrealm@host.com\""));
}

#[test]
fn rfc7616_section_3_9_1_sha256_and_md5_examples() {
    for (algorithm, expected) in [
        (
            "SHA-256",
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        ),
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ] {
        let c = parse_challenge(&rfc7616_challenge(algorithm)).unwrap();
        let mut client = DigestClient::new(c, false);
        let (_, value) = client.authorize(
            "GET",
            "/dir/index.html",
            "Mufasa",
            "Circle of Life",
            RFC7616_CNONCE,
        );
        assert_eq!(response_of(&value), expected, "{algorithm}");
        let auth = parse_authorization(&value).unwrap();
        assert!(verify(&auth, "GET", "Circle of Life"), "{algorithm}");
        assert!(!verify(&auth, "GET", "Circle Of Life"), "{algorithm}");
        assert!(!verify(&auth, "POST", "Circle of Life"), "{algorithm}");
    }
}

#[test]
fn nonce_count_increments_per_request_on_one_challenge() {
    let mut client = DigestClient::new(parse_challenge(RFC2617_CHALLENGE).unwrap(), true);
    let (name, first) = client.authorize("SUBSCRIBE", "sip:bob@x", "alice", "pw", "c1");
    assert_eq!(name, "Proxy-Authorization");
    let (_, second) = client.authorize("SUBSCRIBE", "sip:bob@x", "alice", "pw", "c1");
    let (a, b) = (
        parse_authorization(&first).unwrap(),
        parse_authorization(&second).unwrap(),
    );
    assert_eq!(
        (a.nc.as_deref(), b.nc.as_deref()),
        (Some("00000001"), Some("00000002"))
    );
    assert_ne!(a.response, b.response);
    assert!(verify(&a, "SUBSCRIBE", "pw") && verify(&b, "SUBSCRIBE", "pw"));
    assert_eq!(client.nonce_count(), 2);
}

#[test]
fn without_qop_the_rfc2069_form_is_used() {
    let c = parse_challenge("Digest realm=\"r\", nonce=\"n\"").unwrap();
    assert!(c.qop.is_empty());
    let mut client = DigestClient::new(c, false);
    let (_, value) = client.authorize("REGISTER", "sip:r", "u", "p", "ignored");
    assert!(!value.contains("qop") && !value.contains("nc=") && !value.contains("cnonce"));
    // H(H(u:r:p):n:H(REGISTER:sip:r)), computed independently.
    let md5 = |s: &str| hex(&Md5::digest(s.as_bytes()));
    let expected = md5(&format!("{}:n:{}", md5("u:r:p"), md5("REGISTER:sip:r")));
    assert_eq!(response_of(&value), expected);
    assert!(verify(
        &parse_authorization(&value).unwrap(),
        "REGISTER",
        "p"
    ));
}

#[test]
fn challenge_parsing_details() {
    let c = parse_challenge(
        "  digest realm=\"Office, Floor 2\",nonce=\"a\\\"b\" , algorithm=sha-256-SESS, \
stale=TRUE, qop=\"auth-int,auth\", opaque=\"o,1\"",
    )
    .unwrap();
    assert_eq!(c.realm, "Office, Floor 2");
    assert_eq!(c.nonce, "a\"b");
    assert_eq!(c.algorithm, Algorithm::Sha256Sess);
    assert!(c.stale);
    assert_eq!(c.qop, ["auth-int", "auth"]);
    assert_eq!(c.opaque.as_deref(), Some("o,1"));
    assert!(
        !parse_challenge("Digest realm=\"r\", nonce=\"n\", stale=false")
            .unwrap()
            .stale
    );

    assert_eq!(
        parse_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"),
        Err(AuthError::UnsupportedAlgorithm {
            algorithm: "SHA-512-256".into()
        })
    );
    assert_eq!(
        parse_challenge("Basic realm=\"r\""),
        Err(AuthError::NotDigest {
            scheme: "Basic".into()
        })
    );
    assert_eq!(
        parse_challenge("Digest realm=\"r\""),
        Err(AuthError::MissingParam { param: "nonce" })
    );
    for bad in [
        "Digest realm=\"r",
        "Digest realm",
        "Digest =x",
        "Digest realm=\"r\" nonce=\"n\"",
    ] {
        assert!(
            matches!(parse_challenge(bad), Err(AuthError::Malformed { .. })),
            "{bad:?}: {:?}",
            parse_challenge(bad)
        );
    }
}

#[test]
fn challenge_value_round_trips_through_client_and_verify_for_every_algorithm() {
    for algorithm in [
        Algorithm::Md5,
        Algorithm::Md5Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
    ] {
        let header = challenge_value("demo", "nonce-1", algorithm, true);
        let c = parse_challenge(&header).unwrap();
        assert_eq!(
            (c.realm.as_str(), c.nonce.as_str(), c.algorithm, c.stale),
            ("demo", "nonce-1", algorithm, true)
        );
        assert_eq!(c.qop, ["auth"]);
        let mut client = DigestClient::new(c, false);
        let (_, value) =
            client.authorize("PUBLISH", "sip:demo.test", "first.last", "s3cret", "cn-9");
        let auth = parse_authorization(&value).unwrap();
        assert_eq!(auth.username, "first.last");
        assert_eq!(auth.algorithm, algorithm);
        assert!(verify(&auth, "PUBLISH", "s3cret"), "{algorithm:?}");
        assert!(!verify(&auth, "PUBLISH", "wrong"), "{algorithm:?}");
    }
    assert!(!challenge_value("r", "n", Algorithm::Md5, false).contains("stale"));
}

#[test]
fn authorization_parsing_requires_its_parameters() {
    assert_eq!(
        parse_authorization("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\""),
        Err(AuthError::MissingParam { param: "response" })
    );
    assert_eq!(
        parse_authorization(
            "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", qop=auth"
        ),
        Err(AuthError::MissingParam { param: "nc" })
    );
    let weird = "Digest username=\"a\\\\b \\\"c\\\"\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\"";
    assert_eq!(parse_authorization(weird).unwrap().username, "a\\b \"c\"");
    // A client's quoting of such a name parses back to the same name.
    let mut client = DigestClient::new(
        parse_challenge("Digest realm=\"r\", nonce=\"n\"").unwrap(),
        false,
    );
    let (_, value) = client.authorize("OPTIONS", "sip:x", "a\\b \"c\"", "p", "c");
    let auth = parse_authorization(&value).unwrap();
    assert_eq!(auth.username, "a\\b \"c\"");
    assert!(verify(&auth, "OPTIONS", "p"));
}
