//! The process exit codes: the one definition the binary exits with and its
//! tests assert.

/// Ran and ended normally.
pub const OK: u8 = 0;
/// Anything not listed below (an I/O error of the terminal, a socket that
/// cannot be opened, a runtime that cannot start).
pub const FAILURE: u8 = 1;
/// The configuration cannot be used: not readable, not UTF-8, not TOML, or
/// a key with a bad value. Nothing was started.
pub const CONFIG: u8 = 2;
/// The server cannot be reached (its name does not resolve, it does not
/// answer) or refused our credentials.
pub const SERVER: u8 = 3;
/// `switchboard check`: at least one server is not up and running (its
/// status and last error are printed).
pub const NOT_UP: u8 = 4;
