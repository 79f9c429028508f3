//! Ordinary queries that carry a TSIG, on the public listener (RFC 8945 §5): a secondary
//! signs the SOA query it sends before a transfer with the key it transfers with, and must
//! get a signed answer. A valid signature gets the usual answer, signed; an unknown key is
//! NOTAUTH with BADKEY, a bad MAC NOTAUTH with BADSIG (both without a MAC), an old or future
//! time NOTAUTH with BADTIME (signed).

use cairn_wire::{Query, Rcode};

use super::tsig::{self, Check, TsigKey};
use crate::pipeline::{early_reply, Flavor, Outcome};

/// Answers the signed `query` with `answer` when its TSIG verifies against `keys`, and signs
/// the response; otherwise writes the TSIG error.
pub fn answer(
    keys: &[TsigKey],
    query: &Query<'_>,
    flavor: Flavor,
    out: &mut Vec<u8>,
    answer: impl FnOnce(&mut Vec<u8>) -> Outcome,
) -> Outcome {
    let now = tsig::now();
    match tsig::verify(keys, query.message(), now) {
        Check::Unsigned => answer(out),
        Check::Valid(mut signer) => {
            let outcome = answer(out);
            signer.sign(out, 0, &[]);
            outcome
        }
        Check::Malformed => early_reply(query, flavor, Rcode::FormErr, out),
        Check::Failed {
            error,
            key_name,
            algorithm,
            signer,
        } => {
            let outcome = early_reply(query, flavor, Rcode::Other(u16::from(tsig::NOTAUTH)), out);
            match signer {
                Some(mut signer) => signer.sign(out, error, &now.to_be_bytes()[2..]),
                None => tsig::append_unsigned(out, &key_name, &algorithm, now, error),
            }
            outcome
        }
    }
}
