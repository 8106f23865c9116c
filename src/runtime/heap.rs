//! Giving the start-up burst's memory back to the system.
//!
//! At start the engine sends 20,000 SUBSCRIBEs and takes 20,000 NOTIFYs in
//! a few seconds: transactions, their timers, the NOTIFY response cache and
//! the event channel's blocks all peak together and are freed once the
//! office is current. glibc's allocator keeps such freed chunks resident
//! (it only returns the top of each arena by itself), so without help the
//! console idles with the burst's peak, not its live heap: measured with
//! 10,000 contacts, about a third of the resident memory was free chunks.
//!
//! So a task looks every [`CHECK_EVERY`] at how much the allocator holds
//! free (`mallinfo2`) and, once that is over [`FREE_LIMIT`] and has
//! settled (see [`Trimmer`]), asks it to give the free pages back (`malloc_trim(0)`, which also releases whole
//! free pages inside the arenas). The check costs microseconds; a trim a
//! few milliseconds, and happens only after a burst. The arenas are also
//! capped ([`ARENA_MAX`]): every thread that allocates would otherwise get
//! an arena of its own, each keeping its own free chunks.
//!
//! Decisions: `malloc_trim` over a different global allocator (no C
//! library built at compile time, no behaviour change elsewhere; measured
//! in BENCHMARKS.md, issue 10 fourth round). Only on glibc; elsewhere these
//! are no-ops.

use std::time::Duration;

/// How often the allocator's free bytes are looked at.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Free bytes the allocator may hold before they are given back.
pub const FREE_LIMIT: usize = 4 << 20;

/// Malloc arenas at most (glibc's default is 8 per core).
pub const ARENA_MAX: i32 = 2;

/// Allocations from this size up get pages of their own (`mmap`), given
/// back the moment they are freed, and only the pages written are
/// resident (a table sized for 16,384 contacts holding 10,000 costs the
/// 10,000). glibc's default starts at 128 KiB but raises itself to the
/// largest block freed so far (up to 32 MiB): after the start-up burst the
/// contact tables and search columns landed inside the arenas, whose holes
/// stay resident. A fixed threshold keeps it where it starts.
pub const MMAP_THRESHOLD: i32 = 128 << 10;

/// Free memory at the top of an arena beyond this is given back at once
/// (glibc's default, 128 KiB, also moves with the mmap threshold).
pub const TRIM_THRESHOLD: i32 = 128 << 10;

/// The allocator settings above, each unless the operator set glibc's own
/// variable for it (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`,
/// `MALLOC_TRIM_THRESHOLD_`): theirs wins. Call before the runtime's
/// threads start.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (param, value, env) in [
        (libc::M_ARENA_MAX, ARENA_MAX, "MALLOC_ARENA_MAX"),
        (
            libc::M_MMAP_THRESHOLD,
            MMAP_THRESHOLD,
            "MALLOC_MMAP_THRESHOLD_",
        ),
        (
            libc::M_TRIM_THRESHOLD,
            TRIM_THRESHOLD,
            "MALLOC_TRIM_THRESHOLD_",
        ),
    ] {
        if std::env::var_os(env).is_none() {
            // SAFETY: `mallopt` only sets an allocator parameter; it is
            // called before any other thread exists.
            unsafe {
                libc::mallopt(param, value);
            }
        }
    }
}

/// Bytes the allocator holds free (in its arenas, not yet given back).
pub fn free_bytes() -> usize {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallinfo2` reads the allocator's statistics; no
        // arguments, no pointers kept.
        let info = unsafe { libc::mallinfo2() };
        info.fordblks
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        0
    }
}

/// When to trim: once the allocator holds more than [`FREE_LIMIT`] free
/// and the count has settled (unchanged within [`SETTLED`] since the last
/// look: the burst is over), and not again until it has moved and settled
/// anew. A trim leaves the freed chunks counted as free (only their pages
/// go), so the count itself says nothing about what is still resident; and
/// a trim in the middle of a burst (what a growth trigger alone did) left
/// the rest of that burst resident all day, in about one run in two.
#[derive(Debug, Default)]
pub struct Trimmer {
    /// Free bytes at the last look.
    last: usize,
    /// Free bytes when the last trim was made.
    trimmed_at: Option<usize>,
}

/// Free bytes that may come and go between two looks while the heap still
/// counts as settled.
pub const SETTLED: usize = 256 << 10;

impl Trimmer {
    /// Whether `free` bytes held free call for a trim; remembers it if so.
    pub fn should_trim(&mut self, free: usize) -> bool {
        let settled = free.abs_diff(self.last) < SETTLED;
        self.last = free;
        let moved = self.trimmed_at.is_none_or(|t| free.abs_diff(t) >= SETTLED);
        if settled && moved && free > FREE_LIMIT {
            self.trimmed_at = Some(free);
            true
        } else {
            false
        }
    }
}

/// Gives the allocator's free pages back to the system.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free memory of the allocator;
    // it is thread-safe (it locks each arena).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Starts the task that keeps the free memory given back (see the module
/// documentation). Call inside the runtime.
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut trimmer = Trimmer::default();
        loop {
            every.tick().await;
            let free = free_bytes();
            if trimmer.should_trim(free) {
                trim();
                tracing::debug!(free, "heap: free memory given back");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_trimmed_once_it_settles_and_again_only_after_the_next() {
        let mut t = Trimmer::default();
        assert!(!t.should_trim(1 << 20), "a small heap is left alone");
        assert!(!t.should_trim(30 << 20), "still moving: mid-burst");
        assert!(!t.should_trim(36 << 20), "still moving");
        assert!(t.should_trim(36 << 20), "settled: given back");
        assert!(!t.should_trim(36 << 20), "still counted free: not again");
        assert!(!t.should_trim(20 << 20), "reused: moving");
        assert!(t.should_trim(20 << 20), "settled anew at another level");
        assert!(!t.should_trim(20 << 20), "not twice");
        assert!(!t.should_trim(26 << 20), "the next burst, moving");
        assert!(t.should_trim(26 << 20), "the next burst, settled");
    }

    #[test]
    fn the_allocator_can_be_asked() {
        let _ = free_bytes();
        trim();
    }
}
