//! The README's quickstart (`cargo run --example quickstart`) must keep working: run its
//! whole script (emulator, device sign-in, put, ls, tree, get, byte comparison) here.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

#[test]
fn quickstart_runs_end_to_end() {
    quickstart::run().expect("the quickstart succeeds");
}
