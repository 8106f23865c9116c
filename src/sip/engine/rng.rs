//! A small deterministic PRNG (xorshift64*): tags, branches, Call-IDs,
//! cnonces and jitter. Seeded by the caller, so the engine stays sans-IO and
//! tests are repeatable.

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // Avoid the all-zero state; mix the seed a little.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A token of 16 lowercase hex digits.
    pub fn token(&mut self) -> String {
        format!("{:016x}", self.next_u64())
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `base` scaled by a random factor in [lo, hi).
    pub fn jitter(&mut self, base: std::time::Duration, lo: f64, hi: f64) -> std::time::Duration {
        base.mul_f64(lo + (hi - lo) * self.unit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_tokens_differ() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let ta = a.token();
        assert_eq!(ta, b.token());
        assert_ne!(ta, a.token());
        let j = a.jitter(std::time::Duration::from_secs(100), 0.5, 1.0);
        assert!(j >= std::time::Duration::from_secs(50) && j < std::time::Duration::from_secs(100));
    }
}
