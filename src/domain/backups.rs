//! The rules of backups: their states and kinds, when the schedule runs next (in the company's
//! time zone), and which backups retention removes.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::BackupId;

text_enum! {
    /// Where a backup is in its life.
    pub enum BackupStatus {
        /// A process is writing the file (and beats the record's heartbeat).
        InProgress => "IN_PROGRESS",
        /// The file is complete and stored.
        Completed => "COMPLETED",
        /// The backup failed (or its process died); the record says why.
        Failed => "FAILED",
    }
}

text_enum! {
    /// Why a backup was taken.
    pub enum BackupKind {
        /// Asked for by an administrator (`createBackup`, `millennium backup create`).
        Manual => "MANUAL",
        /// Taken by the schedule.
        Scheduled => "SCHEDULED",
        /// Taken just before a restore replaced the data.
        Safety => "SAFETY",
    }
}

text_enum! {
    /// How often the schedule takes a backup.
    pub enum BackupFrequency {
        Daily => "DAILY",
        Weekly => "WEEKLY",
        Monthly => "MONTHLY",
        Disabled => "DISABLED",
    }
}

/// The local time of day scheduled backups run at: the quiet hours before the branches open.
pub const SCHEDULE_TIME: NaiveTime = match NaiveTime::from_hms_opt(2, 0, 0) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// A backup whose heartbeat is older than this is taken for dead.
pub const HEARTBEAT_TIMEOUT: TimeDelta = TimeDelta::minutes(2);

/// The company's time zone, from its setting; an unknown name falls back to UTC.
pub fn time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// The first scheduled run strictly after `after`: 02:00 local time every day, every Monday,
/// or on the first of every month. `None` when the schedule is disabled.
pub fn next_run(
    frequency: BackupFrequency,
    after: DateTime<Utc>,
    zone: Tz,
) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(&zone).date_naive();
    // Candidates from the local day of `after` on; the first one after `after` wins.
    let mut day = first_day(frequency, local)?;
    for _ in 0..3 {
        let at = at_local(zone, day);
        if at > after {
            return Some(at);
        }
        day = following(frequency, day)?;
    }
    None
}

/// The first day on or after `day` that the frequency runs on.
fn first_day(frequency: BackupFrequency, day: NaiveDate) -> Option<NaiveDate> {
    match frequency {
        BackupFrequency::Disabled => None,
        BackupFrequency::Daily => Some(day),
        BackupFrequency::Weekly => {
            let ahead = (7 - day.weekday().num_days_from_monday()) % 7;
            day.checked_add_days(Days::new(u64::from(ahead)))
        }
        BackupFrequency::Monthly if day.day() == 1 => Some(day),
        BackupFrequency::Monthly => following(frequency, day),
    }
}

/// The run day after `day` (which is a run day).
fn following(frequency: BackupFrequency, day: NaiveDate) -> Option<NaiveDate> {
    match frequency {
        BackupFrequency::Disabled => None,
        BackupFrequency::Daily => day.succ_opt(),
        BackupFrequency::Weekly => day.checked_add_days(Days::new(7)),
        BackupFrequency::Monthly => {
            let (year, month) = if day.month() == 12 {
                (day.year() + 1, 1)
            } else {
                (day.year(), day.month() + 1)
            };
            NaiveDate::from_ymd_opt(year, month, 1)
        }
    }
}

/// 02:00 on `day` in `zone` as an instant; in a spring-forward gap, the first instant after.
fn at_local(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_time(SCHEDULE_TIME);
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
            at.with_timezone(&Utc)
        }
        chrono::LocalResult::None => zone
            .from_local_datetime(&(local + TimeDelta::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc)),
    }
}

/// The name of the schedule's lease for the run due at `due`: one run per due time.
pub fn schedule_lease(due: DateTime<Utc>) -> String {
    format!("backup:{}", due.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// A completed backup, as retention sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub id: BackupId,
    pub kind: BackupKind,
    pub completed_at: DateTime<Utc>,
}

/// The backups retention deletes at `now`: scheduled and safety backups completed more than
/// `retention_days` ago — never the newest completed backup of all, and never a manual one
/// (an administrator took it on purpose and deletes it on purpose).
pub fn expired(completed: &[Kept], retention_days: u32, now: DateTime<Utc>) -> Vec<BackupId> {
    let newest = completed
        .iter()
        .max_by_key(|kept| (kept.completed_at, kept.id));
    let cutoff = now - TimeDelta::days(i64::from(retention_days));
    completed
        .iter()
        .filter(|kept| Some(*kept) != newest)
        .filter(|kept| kept.kind != BackupKind::Manual)
        .filter(|kept| kept.completed_at < cutoff)
        .map(|kept| kept.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn daily_runs_at_two_in_the_morning_local_time() {
        let lagos = time_zone("Africa/Lagos"); // UTC+1, no daylight saving
        assert_eq!(
            next_run(BackupFrequency::Daily, utc("2026-11-24T00:30:00Z"), lagos),
            Some(utc("2026-11-24T01:00:00Z")),
            "01:30 local: later the same night"
        );
        assert_eq!(
            next_run(BackupFrequency::Daily, utc("2026-11-24T01:30:00Z"), lagos),
            Some(utc("2026-11-25T01:00:00Z")),
            "02:30 local: the next night"
        );
        assert_eq!(
            next_run(BackupFrequency::Daily, utc("2026-11-23T23:30:00Z"), lagos),
            Some(utc("2026-11-24T01:00:00Z")),
            "00:30 local is before 02:00 local the same day"
        );
        assert_eq!(
            next_run(BackupFrequency::Daily, utc("2026-11-24T01:00:00Z"), lagos),
            Some(utc("2026-11-25T01:00:00Z")),
            "strictly after"
        );
    }

    #[test]
    fn weekly_runs_on_mondays_and_monthly_on_the_first() {
        let utc_zone = time_zone("UTC");
        // 2026-11-24 is a Tuesday.
        assert_eq!(
            next_run(
                BackupFrequency::Weekly,
                utc("2026-11-24T12:00:00Z"),
                utc_zone
            ),
            Some(utc("2026-11-30T02:00:00Z"))
        );
        assert_eq!(
            next_run(
                BackupFrequency::Weekly,
                utc("2026-11-30T01:00:00Z"),
                utc_zone
            ),
            Some(utc("2026-11-30T02:00:00Z"))
        );
        assert_eq!(
            next_run(
                BackupFrequency::Monthly,
                utc("2026-11-24T12:00:00Z"),
                utc_zone
            ),
            Some(utc("2026-12-01T02:00:00Z"))
        );
        assert_eq!(
            next_run(
                BackupFrequency::Monthly,
                utc("2026-12-15T12:00:00Z"),
                utc_zone
            ),
            Some(utc("2027-01-01T02:00:00Z"))
        );
        assert_eq!(
            next_run(
                BackupFrequency::Disabled,
                utc("2026-12-15T12:00:00Z"),
                utc_zone
            ),
            None
        );
    }

    #[test]
    fn a_run_in_a_daylight_saving_gap_moves_to_after_it() {
        // Europe/London skips 01:00–02:00 on 2027-03-28; 02:00 exists (it is 02:00 BST).
        let london = time_zone("Europe/London");
        let run = next_run(BackupFrequency::Daily, utc("2027-03-27T12:00:00Z"), london);
        assert_eq!(run, Some(utc("2027-03-28T01:00:00Z")));
        // America/Sao_Paulo has no DST now; an unknown zone is UTC.
        assert_eq!(time_zone("Nowhere/Land"), Tz::UTC);
    }

    #[test]
    fn retention_keeps_the_newest_and_manual_backups() {
        let now = utc("2026-11-24T12:00:00Z");
        let kept = |n: u128, kind, days_ago: i64| Kept {
            id: BackupId(uuid::Uuid::from_u128(n)),
            kind,
            completed_at: now - TimeDelta::days(days_ago),
        };
        let backups = [
            kept(1, BackupKind::Scheduled, 40),
            kept(2, BackupKind::Manual, 40),
            kept(3, BackupKind::Safety, 31),
            kept(4, BackupKind::Scheduled, 10),
        ];
        let mut gone = expired(&backups, 30, now);
        gone.sort();
        assert_eq!(gone, [backups[0].id, backups[2].id]);
        // Only old backups: the newest stays whatever its age.
        let old = [
            kept(1, BackupKind::Scheduled, 90),
            kept(2, BackupKind::Scheduled, 60),
        ];
        assert_eq!(expired(&old, 30, now), [old[0].id]);
        assert!(expired(&[], 30, now).is_empty());
    }
}
