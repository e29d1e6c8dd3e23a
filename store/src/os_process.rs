//! Telling whether an OS process that recorded something in the store is still the one
//! that did: a pid alone is not enough, as pids are reused (and every container starts
//! counting at 1). A process is named by its pid and its start time.

/// The start time of OS process `pid`: field 22 of `/proc/PID/stat`, in clock ticks
/// since boot. `None` when the process does not exist (or there is no `/proc`).
pub fn start_time(pid: i64) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// Field 22 of a `/proc/PID/stat` line. The second field, the command name in
/// parentheses, may itself hold spaces and parentheses: the fields after it are counted
/// from the last `)`.
fn parse_start_time(stat: &str) -> Option<i64> {
    let (_, rest) = stat.rsplit_once(')')?;
    // `rest` starts with field 3 (the state): field 22 is the 20th from there.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The start time of this OS process, read once.
pub fn own_start_time() -> Option<i64> {
    static START: std::sync::OnceLock<Option<i64>> = std::sync::OnceLock::new();
    *START.get_or_init(|| start_time(std::process::id() as i64))
}

/// Whether the OS process that recorded (`pid`, `started`) is still running. Without
/// `/proc` (not Linux) it is assumed to be; a record without a start time (written by an
/// older jfc) is judged by its pid alone.
pub fn still_running(pid: i64, started: Option<i64>) -> bool {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return true;
    }
    match (start_time(pid), started) {
        (None, _) => false,
        (Some(now), Some(then)) => now == then,
        (Some(_), None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_time_is_counted_after_the_command_name() {
        let line =
            "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_start_time(line), Some(987654));
        assert_eq!(parse_start_time("4242 (cut"), None);
        assert_eq!(parse_start_time("4242 (x) S 1 2"), None);
    }

    #[test]
    fn this_process_is_running_and_a_wrong_start_time_is_not_it() {
        let me = std::process::id() as i64;
        let started = own_start_time().expect("Linux has /proc");
        assert!(still_running(me, Some(started)));
        assert!(still_running(me, None));
        assert!(!still_running(me, Some(started + 1)));
        assert!(!still_running(i64::from(i32::MAX), Some(started)));
    }
}
