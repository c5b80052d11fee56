//! Task ids: 128 bits from the operating system's random source, in hex.
//! Nobody can guess another client's task id, so the id alone is never the
//! only guard (with auth on, the owner is checked as well).

use std::fmt::Write;

/// A new task id: 32 lowercase hex digits.
pub fn new_task_id() -> String {
    let mut bytes = [0u8; 16];
    // Why this cannot fail on the platforms we ship (Linux): getrandom(2)
    // blocks until the kernel's pool is seeded, then always succeeds.
    getrandom::fill(&mut bytes).expect("the OS random source");
    bytes
        .iter()
        .fold(String::with_capacity(32), |mut id, byte| {
            // Why this cannot fail: writing to a String does not fail.
            write!(id, "{byte:02x}").expect("write to a String");
            id
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_differ() {
        let (a, b) = (new_task_id(), new_task_id());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }
}
