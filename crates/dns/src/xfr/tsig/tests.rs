//! Known vectors: messages signed by dnspython 2.9 (`dns.message.use_tsig`, time fixed at
//! 1700000000, fudge 300), an AXFR request for example.com. and its responses.

use super::*;

const SECRET: &str = "Y2Fpcm4tdHNpZy10ZXN0LXNlY3JldC0zMi1ieXRlcyE=";
const TIME: u64 = 1_700_000_000;

const Q256: &str = "123400000001000000000001076578616d706c6503636f6d0000fc0001046b3235360000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020dce925da056c1011cdb4f440a2705b3de755ed7a802e1af7edad1f864e6d328e123400000000";
const R256: &str = "123484000001000100000001076578616d706c6503636f6d0000fc000103777777c00c000100010000012c0004c0000201046b3235360000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002059c038295b3de5d7ae19967eeda178a7395fe1575fe40c9896859aee2441debf123400000000";
/// The second message of the same answer (dnspython's `multi=True`): previous MAC, timers only.
const R256_NEXT: &str = "123484000001000100000001076578616d706c6503636f6d0000fc000103667470c00c000100010000012c0004c0000202046b3235360000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002037896e9b195a35572fa9f2e972bb0ae8da98770a65fb8d446cd048643df21200123400000000";
const Q512: &str = "123400000001000000000001076578616d706c6503636f6d0000fc0001046b3531320000fa00ff00000000005d0b686d61632d7368613531320000006553f100012c0040f593779f25a395b90a8ce3175b0283dd38ce0f88a109ecdefdb013469e19e911b92f1f9cb778678a085ec0dc672cc54107c2951be4eb88472c64ebc25c91a732123400000000";
const R512: &str = "123484000001000100000001076578616d706c6503636f6d0000fc000103777777c00c000100010000012c0004c0000201046b3531320000fa00ff00000000005d0b686d61632d7368613531320000006553f100012c0040963c1b9ed8db70ee70606f2eb2ce3da8bc9c7b362d20009f315ed0c0c0899063ca09f01792b02c0dbb617b4f63c7a636511e0d377bc22d8d919bb2139c44fc22123400000000";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn keys() -> Vec<TsigKey> {
    vec![
        TsigKey::parse(&format!("k256:hmac-sha256:{SECRET}")).unwrap(),
        TsigKey::parse(&format!("k512.:HMAC-SHA512:{SECRET}")).unwrap(),
    ]
}

/// The response without its TSIG record, as Cairn would have written it before signing.
fn unsigned(signed: &[u8]) -> Vec<u8> {
    let record = find(signed).unwrap().unwrap();
    let mut msg = signed[..record.start].to_vec();
    wire::bump_count(&mut msg, 10, u16::MAX);
    msg
}

fn signer_for<'k>(keys: &'k [TsigKey], query: &[u8]) -> Signer<'k> {
    match verify(keys, query, TIME + 10) {
        Check::Valid(signer) => signer,
        other => panic!("expected a valid signature, got {other:?}"),
    }
}

#[test]
fn dnspython_signed_requests_verify_with_both_algorithms() {
    let keys = keys();
    for (query, key) in [(Q256, "k256"), (Q512, "k512")] {
        let signer = signer_for(&keys, &hex(query));
        assert_eq!(signer.key.name(), key);
    }
}

#[test]
fn responses_are_signed_as_dnspython_signs_them() {
    let keys = keys();
    for (query, response) in [(Q256, R256), (Q512, R512)] {
        let mut signer = signer_for(&keys, &hex(query));
        signer.time = TIME;
        let mut msg = unsigned(&hex(response));
        signer.sign(&mut msg, 0, &[]);
        assert_eq!(msg, hex(response));
    }
}

#[test]
fn later_messages_of_an_answer_hash_the_previous_mac_and_the_timers() {
    let keys = keys();
    let mut signer = signer_for(&keys, &hex(Q256));
    signer.time = TIME;
    let mut first = unsigned(&hex(R256));
    signer.sign(&mut first, 0, &[]);
    let mut second = unsigned(&hex(R256_NEXT));
    signer.sign(&mut second, 0, &[]);
    assert_eq!(second, hex(R256_NEXT));
}

#[test]
fn an_unknown_key_is_badkey_and_a_changed_byte_is_badsig() {
    let keys = keys();
    let only_512 = &keys[1..];
    match verify(only_512, &hex(Q256), TIME) {
        Check::Failed {
            error,
            signer: None,
            key_name,
            ..
        } => {
            assert_eq!(error, BADKEY);
            assert_eq!(key_name, b"\x04k256\x00");
        }
        other => panic!("{other:?}"),
    }
    let mut tampered = hex(Q256);
    tampered[3] ^= 0x01; // RD flipped after signing
    assert!(matches!(
        verify(&keys, &tampered, TIME),
        Check::Failed {
            error: BADSIG,
            signer: None,
            ..
        }
    ));
}

#[test]
fn a_signature_outside_the_fudge_is_badtime_and_still_signed() {
    let keys = keys();
    assert!(matches!(
        verify(&keys, &hex(Q256), TIME + 301),
        Check::Failed {
            error: BADTIME,
            signer: Some(_),
            ..
        }
    ));
    assert!(matches!(
        verify(&keys, &hex(Q256), TIME - 300),
        Check::Valid(_)
    ));
}

#[test]
fn unsigned_and_malformed_requests_are_told_apart() {
    let keys = keys();
    let query = unsigned(&hex(Q256));
    assert!(matches!(verify(&keys, &query, TIME), Check::Unsigned));
    let mut cut = hex(Q256);
    cut.truncate(cut.len() - 3);
    assert!(matches!(verify(&keys, &cut, TIME), Check::Malformed));
}

#[test]
fn key_flags_are_checked() {
    assert!(TsigKey::parse("k:hmac-md5:c2VjcmV0").is_err());
    assert!(TsigKey::parse("k:hmac-sha256:not base64!").is_err());
    assert!(TsigKey::parse("k-only").is_err());
    let key = TsigKey::parse("xfr.example:hmac-sha512:c2VjcmV0").unwrap();
    assert_eq!(key.name(), "xfr.example");
    assert_eq!(key.algorithm(), Algorithm::HmacSha512);
}
