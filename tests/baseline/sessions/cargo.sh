#!/bin/bash
# A rust crate: cargo build and test, offline, no dependencies.
set -eu
cd "$1"
n=${2:-1}
cargo new --vcs none --lib demo -q
cd demo
cat >> src/lib.rs <<RS

pub fn twice(x: u32) -> u32 { x * 2 }

#[test]
fn twice_$n() { assert_eq!(twice($n), $((2 * n))); }
RS
cargo build --offline -q
cargo test --offline -q
