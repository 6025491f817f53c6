//! What Linux says about a process: its resident memory and its CPU time, read from `/proc`.
//!
//! Final server — book chapters "Performance", section "How it is measured" (chat-bench), and
//! "Security", section "Soak" (chat-soak). Both readings are `None` where there is no `/proc`
//! (not Linux) or the process is gone.

/// A process's resident memory in KiB, from `/proc/<pid>/status` (its `VmRSS` line).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A process's user + system CPU time in microseconds, from `/proc/<pid>/stat` (fields 14 and
/// 15, counted in ticks of 1/100 s: `USER_HZ` is 100 on Linux).
pub fn cpu_us(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may contain spaces: count fields after its `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_and_has_used_some_cpu() {
        let me = std::process::id();
        assert!(rss_kib(me).is_some_and(|kib| kib > 0));
        // Spin a little so that at least one tick of CPU time is charged.
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < std::time::Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(cpu_us(me).is_some_and(|us| us > 0));
        assert_eq!(rss_kib(u32::MAX), None, "no such process");
    }
}
