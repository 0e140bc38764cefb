//! The daily review as the commands show it: the report of a day and, when asked, the
//! sender identity audit of the IPs in its logs; assembled here once for `report` and
//! `check`.

use chrono_tz::Tz;

use crate::analyze::report::{Report, build_report, last_complete_day};
use crate::analyze::status::{Status, Thresholds};
use crate::audit::checks::Verdict;
use crate::audit::dns::DnsSettings;
use crate::audit::logs::{Window, evidence};
use crate::audit::pmta::PmtaConfig;
use crate::audit::{Audit, AuditInputs, IpAudit};
use crate::error::Error;
use crate::load::{History, Sources, load};
use crate::read::summary::InputSummary;

/// The review: the report, then the identity audit when one ran.
#[derive(Debug, Clone)]
pub struct Review {
    pub report: Report,
    /// The sender identity audit, when the review was asked to run it.
    pub identity: Option<Audit>,
}

/// The sending identities to audit and how to ask DNS about them.
#[derive(Debug, Clone)]
pub struct IdentityPlan {
    pub pmta: Option<PmtaConfig>,
    /// `--ip IP[=EHLO]`.
    pub by_hand: Vec<(std::net::IpAddr, Option<String>)>,
    pub dns: DnsSettings,
}

impl IdentityPlan {
    /// The audit's inputs, with the logs' evidence over `window` when logs were read.
    pub fn inputs(
        &self,
        logs: Option<crate::audit::logs::LogEvidence>,
        window: Window,
    ) -> AuditInputs {
        AuditInputs {
            pmta: self.pmta.clone(),
            by_hand: self.by_hand.clone(),
            logs,
            window,
        }
    }
}

/// What a review is built from.
pub struct ReviewPlan<'a> {
    pub sources: &'a Sources,
    pub tz: Tz,
    pub thresholds: &'a Thresholds,
    /// Days since the epoch; without it, the last complete day in the data.
    pub day: Option<i64>,
    pub identity: Option<&'a IdentityPlan>,
}

/// Days of logs whose rdns_* replies the review's identity audit counts: the review day and
/// the six before it.
const IDENTITY_DAYS: i64 = 7;

/// Loads the sources and builds the review.
pub fn build_review(plan: &ReviewPlan<'_>) -> Result<Review, Error> {
    let scan = load(
        plan.sources,
        History::ForReview {
            day: plan.day,
            lookback: crate::analyze::report::LOOKBACK,
        },
    )?;
    let aggregates = scan.aggregates;
    let day = match plan.day {
        Some(day) => day,
        None => last_complete_day(&aggregates, plan.tz).ok_or(Error::NoRows)?,
    };
    // The identity audit's log evidence comes first: the report consumes the aggregates.
    let identity_inputs = plan.identity.map(|identity| {
        let window = Window {
            from: Some((day - IDENTITY_DAYS + 1) * 24),
            to: Some((day + 1) * 24),
        };
        (
            identity.inputs(Some(evidence(&aggregates, window)), window),
            identity,
        )
    });
    let summary = InputSummary::from_files(&scan.files);
    let report = build_report(aggregates, summary, day, plan.tz, plan.thresholds)?;
    let identity = match identity_inputs {
        Some((inputs, identity)) => Some(crate::audit::run(&inputs, &identity.dns)?),
        None => None,
    };
    Ok(Review { report, identity })
}

impl Review {
    /// The IPs of the identity audit that did not pass, as statuses: a failing check is an
    /// alert; a warning, or DNS that did not answer, is a watch.
    pub fn identity_problems(&self) -> impl Iterator<Item = (Status, &IpAudit)> {
        self.identity
            .iter()
            .flat_map(|audit| &audit.ips)
            .filter_map(|ip| match ip.verdict {
                Verdict::Fail => Some((Status::Alert, ip)),
                Verdict::Warn | Verdict::Unknown => Some((Status::Watch, ip)),
                Verdict::Pass | Verdict::Skip => None,
            })
    }

    /// The report's worst status, with the identity audit's.
    pub fn worst_status(&self) -> Status {
        self.identity_problems()
            .map(|(status, _)| status)
            .fold(self.report.worst_status(), Status::max)
    }

    /// Whether every ISP, IP and pool is ok and the identity audit (if any) passed.
    pub fn all_ok(&self) -> bool {
        let identity_ok = self
            .identity
            .as_ref()
            .is_none_or(|audit| audit.verdict <= Verdict::Pass);
        self.report.worst_status() == Status::Ok && identity_ok && self.report.data_gaps.is_empty()
    }
}
