//! The store's value codec reading arbitrary text (a damaged or hand-edited store).
//! Invariants: no panic; whatever decodes encodes again, and that text decodes too.
#![no_main]

use jfc_store::codec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(value) = codec::decode(&text) {
        let again = codec::encode(&value).expect("a decoded value encodes");
        codec::decode(&again).expect("an encoded value decodes");
    }
});
