//! The standard library (../stdlib) is embedded by include_dir!, which cargo does not
//! watch: rebuild when a file of it changes.
fn main() {
    println!("cargo:rerun-if-changed=../stdlib");
}
