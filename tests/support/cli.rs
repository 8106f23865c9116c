//! The real `switchboard` binary run as an operator runs it from a shell,
//! on a small office configuration (three colleagues, a `[notes]` table).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Write `dir/config.toml`: our account, `[notes]` with `notes_table`'s
/// lines, and Alice Adams (1001), Alan Archer (1002) and Bob Brown (1003).
pub fn office_config(dir: &Path, notes_table: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let mut text = format!("[account]\nuri = \"sip:op@example.test\"\n[notes]\n{notes_table}\n");
    for (name, user, ext) in [
        ("Alice Adams", "alice", "1001"),
        ("Alan Archer", "alan", "1002"),
        ("Bob Brown", "bob", "1003"),
    ] {
        text.push_str(&format!(
            "[[contact]]\nname = \"{name}\"\nuri = \"sip:{user}@example.test\"\nextension = \"{ext}\"\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// `switchboard --config CFG COMMAND ARGS…` to its end.
pub fn run(cfg: &Path, command: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(cfg)
        .arg(command)
        .args(args)
        .output()
        .expect("run switchboard")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
