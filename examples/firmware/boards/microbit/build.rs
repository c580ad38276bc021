//! Puts this board's `memory.x` where `cortex-m-rt`'s `link.x` looks for it,
//! and links with `link.x`. (The linker flag lives here rather than in
//! `.cargo/config.toml` so that a build from any directory, e.g. with
//! `--manifest-path`, still gets a vector table.)

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
