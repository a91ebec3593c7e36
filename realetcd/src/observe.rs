//! What the members say about themselves: their JSON logs, read as they are written.
//!
//! etcd started with `--logger=zap --log-outputs=stderr` writes one JSON object per
//! line, with a millisecond wall-clock timestamp. Raft's own lines (`<id> became leader
//! at term 4`) give every role change at the moment it happened, which polling a status
//! endpoint could only sample; the server's lines give each member's ID and the moment it
//! started. Reading the files every few milliseconds is enough to act on them live (the
//! `leader` selector of a scenario step).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use serde::Deserialize;

/// A role as raft logs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeenRole {
    /// `became follower`.
    Follower,
    /// `became pre-candidate`.
    PreCandidate,
    /// `became candidate`.
    Candidate,
    /// `became leader`.
    Leader,
}

/// One line of a member's log that matters here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// Raft changed role or term.
    Role {
        /// The member's raft ID.
        id: u64,
        /// New role.
        role: SeenRole,
        /// Its term.
        term: u64,
    },
    /// The leader stepped down by CheckQuorum.
    QuorumLost {
        /// The member's raft ID.
        id: u64,
    },
    /// The member announced its ID (`starting local member`, `restarting local member`).
    MemberId {
        /// The ID.
        id: u64,
    },
    /// The member's server started (`starting etcd server`): its raft node runs.
    ServerStarted,
    /// The member learnt it was removed from the cluster and stops.
    Removed,
}

/// A parsed line: when (Unix ms) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Wall-clock time of the line, ms since the Unix epoch.
    pub at_epoch_ms: u64,
    /// What it says.
    pub event: LogEvent,
}

#[derive(Deserialize)]
struct RawLine {
    ts: String,
    #[serde(default)]
    msg: String,
    #[serde(default, rename = "local-member-id")]
    local_member_id: Option<String>,
}

/// Parses one log line; `None` for lines that do not matter (or are not JSON).
pub fn parse_line(line: &str) -> Option<LogLine> {
    let raw: RawLine = serde_json::from_str(line).ok()?;
    let at_epoch_ms = parse_timestamp(&raw.ts)?;
    let msg = raw.msg.as_str();
    let event = if let Some((id, rest)) = msg.split_once(' ') {
        let id = u64::from_str_radix(id, 16).ok();
        let became = |prefix: &str| {
            rest.strip_prefix(prefix)
                .and_then(|term| term.trim().parse::<u64>().ok())
        };
        match id {
            Some(id) if rest.starts_with("became ") => {
                let (role, term) = if let Some(term) = became("became follower at term ") {
                    (SeenRole::Follower, term)
                } else if let Some(term) = became("became pre-candidate at term ") {
                    (SeenRole::PreCandidate, term)
                } else if let Some(term) = became("became candidate at term ") {
                    (SeenRole::Candidate, term)
                } else if let Some(term) = became("became leader at term ") {
                    (SeenRole::Leader, term)
                } else {
                    return None;
                };
                LogEvent::Role { id, role, term }
            }
            Some(id) if rest.starts_with("stepped down to follower since quorum is not active") => {
                LogEvent::QuorumLost { id }
            }
            _ => return parse_server_line(msg, raw.local_member_id.as_deref(), at_epoch_ms),
        }
    } else {
        return parse_server_line(msg, raw.local_member_id.as_deref(), at_epoch_ms);
    };
    Some(LogLine { at_epoch_ms, event })
}

fn parse_server_line(msg: &str, member_id: Option<&str>, at_epoch_ms: u64) -> Option<LogLine> {
    let event = match msg {
        "starting local member" | "restarting local member" => LogEvent::MemberId {
            id: u64::from_str_radix(member_id?, 16).ok()?,
        },
        "starting etcd server" => LogEvent::ServerStarted,
        "the member has been permanently removed from the cluster" => LogEvent::Removed,
        _ => return None,
    };
    Some(LogLine { at_epoch_ms, event })
}

/// `2026-12-04T15:38:13.280Z` (or with a `+0100`-style offset) → ms since the epoch.
pub fn parse_timestamp(ts: &str) -> Option<u64> {
    let bytes = ts.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[10] != b'T' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| ts.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &ts[19..];
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits: String = fraction.chars().take_while(char::is_ascii_digit).collect();
        let mut padded = digits.clone();
        padded.truncate(3);
        while padded.len() < 3 {
            padded.push('0');
        }
        millis = padded.parse().ok()?;
        rest = &fraction[digits.len()..];
    }
    let offset_minutes = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let digits: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i64 = digits.get(0..2)?.parse().ok()?;
            let minutes: i64 = digits.get(2..4).unwrap_or("00").parse().ok()?;
            sign * (hours * 60 + minutes)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    u64::try_from(seconds * 1000 + millis).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `2026-12-04 15:38 UTC` for a time in ms since the epoch.
pub fn format_utc(epoch_ms: u64) -> String {
    let minutes = (epoch_ms / 60_000) as i64;
    let days = minutes.div_euclid(1440);
    let minute_of_day = minutes.rem_euclid(1440);
    // Inverse of `days_from_civil` (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// What the logs said of one member so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberSeen {
    /// Last role logged (None before the first raft line).
    pub role: Option<SeenRole>,
    /// Last term logged.
    pub term: u64,
    /// When its server last started (Unix ms).
    pub started_at: Option<u64>,
    /// Its current raft ID (a restore gives a new one).
    pub id: Option<u64>,
    /// It learnt it was removed.
    pub removed: bool,
}

/// A leader elected, as logged by the leader itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaderSeen {
    /// When (Unix ms).
    pub at_epoch_ms: u64,
    /// Which member (index).
    pub member: u32,
    /// Its term.
    pub term: u64,
}

/// Every member's log, read incrementally.
#[derive(Debug, Default)]
pub struct Observer {
    files: Vec<Tail>,
    /// What each member's log said, by member index.
    pub members: Vec<MemberSeen>,
    /// Every leader elected, in the order read.
    pub leaders: Vec<LeaderSeen>,
    /// Number of role changes read (the result's `events`).
    pub role_changes: u64,
}

#[derive(Debug)]
struct Tail {
    path: PathBuf,
    offset: u64,
    partial: String,
}

impl Observer {
    /// Starts following member `member`'s log file (created by the process later is fine).
    pub fn follow(&mut self, member: u32, path: PathBuf) {
        let index = member as usize;
        while self.files.len() <= index {
            self.files.push(Tail {
                path: PathBuf::new(),
                offset: 0,
                partial: String::new(),
            });
            self.members.push(MemberSeen::default());
        }
        self.files[index] = Tail {
            path,
            offset: 0,
            partial: String::new(),
        };
    }

    /// Reads what was appended to every log since the last call; returns the new lines
    /// with their member, after applying them to the state.
    pub fn poll(&mut self) -> Vec<(u32, LogLine)> {
        let mut lines = Vec::new();
        for (member, tail) in self.files.iter_mut().enumerate() {
            if tail.path.as_os_str().is_empty() {
                continue;
            }
            let Ok(mut file) = File::open(&tail.path) else {
                continue;
            };
            if file.seek(SeekFrom::Start(tail.offset)).is_err() {
                continue;
            }
            let mut fresh = String::new();
            let Ok(read) = file.read_to_string(&mut fresh) else {
                continue;
            };
            tail.offset += read as u64;
            tail.partial.push_str(&fresh);
            while let Some(end) = tail.partial.find('\n') {
                let line: String = tail.partial.drain(..=end).collect();
                if let Some(parsed) = parse_line(line.trim_end()) {
                    lines.push((member as u32, parsed));
                }
            }
        }
        for (member, line) in &lines {
            self.apply(*member, line);
        }
        lines
    }

    fn apply(&mut self, member: u32, line: &LogLine) {
        let seen = &mut self.members[member as usize];
        match line.event {
            LogEvent::Role { role, term, id } => {
                seen.role = Some(role);
                seen.term = term;
                seen.id = Some(id);
                self.role_changes += 1;
                if role == SeenRole::Leader {
                    self.leaders.push(LeaderSeen {
                        at_epoch_ms: line.at_epoch_ms,
                        member,
                        term,
                    });
                }
            }
            LogEvent::MemberId { id } => {
                seen.id = Some(id);
                // A new incarnation: its role is unknown until raft speaks.
                seen.role = None;
                seen.removed = false;
            }
            LogEvent::ServerStarted => seen.started_at = Some(line.at_epoch_ms),
            LogEvent::Removed => seen.removed = true,
            LogEvent::QuorumLost { .. } => {}
        }
    }

    /// The last lines of a member's log, for an error message.
    pub fn tail_of(&self, member: u32, count: usize) -> String {
        let Some(tail) = self.files.get(member as usize) else {
            return String::new();
        };
        let text = std::fs::read_to_string(&tail.path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(count)..].join("\n")
    }

    /// The IDs every member announced, to tell the proxies who is calling.
    pub fn ids(&self) -> BTreeMap<u64, u32> {
        self.members
            .iter()
            .enumerate()
            .filter_map(|(member, seen)| seen.id.map(|id| (id, member as u32)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_milliseconds() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-02T00:00:01.5Z"), Some(86_401_500));
        // 2026-12-04T15:38:13.280Z, checked with `date -d … +%s%3N`.
        assert_eq!(
            parse_timestamp("2026-12-04T15:38:13.280Z"),
            Some(1_796_398_693_280)
        );
        assert_eq!(
            parse_timestamp("2026-12-04T16:38:13.280+0100"),
            Some(1_796_398_693_280)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn dates_print_back() {
        assert_eq!(format_utc(1_796_398_693_280), "2026-12-04 15:38 UTC");
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn raft_and_server_lines() {
        let leader = r#"{"level":"info","ts":"2026-12-04T15:38:13.280Z","caller":"raft/raft.go:771","msg":"b2434cdf78e2aae8 became leader at term 2"}"#;
        assert_eq!(
            parse_line(leader),
            Some(LogLine {
                at_epoch_ms: 1_796_398_693_280,
                event: LogEvent::Role {
                    id: 0xb2434cdf78e2aae8,
                    role: SeenRole::Leader,
                    term: 2
                }
            })
        );
        let pre = r#"{"level":"info","ts":"2026-12-04T15:38:13.277Z","msg":"b2434cdf78e2aae8 became pre-candidate at term 1"}"#;
        assert!(matches!(
            parse_line(pre).unwrap().event,
            LogEvent::Role {
                role: SeenRole::PreCandidate,
                term: 1,
                ..
            }
        ));
        let member = r#"{"level":"info","ts":"2026-12-04T15:38:12.775Z","caller":"etcdserver/raft.go:536","msg":"starting local member","local-member-id":"b2434cdf78e2aae8","cluster-id":"15a33fc6e96be9b2"}"#;
        assert_eq!(
            parse_line(member).unwrap().event,
            LogEvent::MemberId {
                id: 0xb2434cdf78e2aae8
            }
        );
        let stepped = r#"{"level":"warn","ts":"2026-12-04T15:38:20.000Z","msg":"b2434cdf78e2aae8 stepped down to follower since quorum is not active"}"#;
        assert!(matches!(
            parse_line(stepped).unwrap().event,
            LogEvent::QuorumLost { .. }
        ));
        assert_eq!(parse_line("not json"), None);
        assert_eq!(
            parse_line(r#"{"ts":"2026-12-04T15:38:20.000Z","msg":"serving client traffic"}"#),
            None
        );
    }

    #[test]
    fn the_observer_reads_appended_lines_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n1.log");
        std::fs::write(&path, "").unwrap();
        let mut observer = Observer::default();
        observer.follow(0, path.clone());
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(file, r#"{{"ts":"2026-12-04T15:38:12.775Z","msg":"starting local member","local-member-id":"a"}}"#).unwrap();
        write!(
            file,
            r#"{{"ts":"2026-12-04T15:38:13.280Z","msg":"a became leader at term 2"}}"#
        )
        .unwrap();
        // The second line is not finished yet: only the first counts.
        assert_eq!(observer.poll().len(), 1);
        assert_eq!(observer.members[0].id, Some(10));
        writeln!(file).unwrap();
        assert_eq!(observer.poll().len(), 1);
        assert_eq!(observer.members[0].role, Some(SeenRole::Leader));
        assert_eq!(observer.leaders.len(), 1);
        assert!(observer.poll().is_empty());
    }
}
