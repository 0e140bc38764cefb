//! Whose rise it is: an ISP's rise carried by a few of its IPs is theirs; one that many of
//! its IPs share is the ISP's, and absorbs their rises of its class.

use super::rises::Rise;
use super::series::Scan;

/// A rise at an ISP is carried by a few of its IPs when these hold this share of its
/// excess failures...
pub(super) const CARRIED_SHARE: f64 = 0.6;
/// ...and are at most this share of the ISP's sending IPs.
pub(super) const FEW_IPS_SHARE: f64 = 0.34;

/// Gives each rise its scope: an ISP-level rise carried by a few of its IPs is dropped for
/// theirs; one shared by many absorbs the IP-level rises of its class it overlaps.
pub(super) fn sort_out_scopes(scan: &Scan, rises: Vec<Rise>) -> Vec<Rise> {
    let (isp_rises, ip_rises): (Vec<Rise>, Vec<Rise>) =
        rises.into_iter().partition(|r| r.scope.1.is_none());
    let mut absorbed = vec![false; ip_rises.len()];
    let mut kept = Vec::new();
    for isp_rise in isp_rises {
        let isp = isp_rise.scope.0;
        let ips = ips_of(scan, isp);
        let (from, to) = (isp_rise.change.onset, isp_rise.change.last_seen);
        let excess_of = |ip: u32| {
            let (n, t, b) = scan.totals((isp, Some(ip)), isp_rise.class, from, to);
            ((t + b) as f64 - isp_rise.baseline * n as f64).max(0.0)
        };
        let total_excess: f64 = ips.iter().map(|&ip| excess_of(ip)).sum();
        let carriers: Vec<usize> = ip_rises
            .iter()
            .enumerate()
            .filter(|(_, r)| r.scope.0 == isp && r.class == isp_rise.class && r.overlaps(&isp_rise))
            .map(|(i, _)| i)
            .collect();
        let mut carrier_ips: Vec<u32> = carriers
            .iter()
            .filter_map(|&i| ip_rises[i].scope.1)
            .collect();
        carrier_ips.sort_unstable();
        carrier_ips.dedup();
        let carried: f64 = carrier_ips.iter().map(|&ip| excess_of(ip)).sum();
        let few = carrier_ips.len() as f64 <= (ips.len() as f64 * FEW_IPS_SHARE).max(1.0);
        if !carrier_ips.is_empty() && few && carried >= CARRIED_SHARE * total_excess {
            continue;
        }
        for i in carriers {
            absorbed[i] = true;
        }
        kept.push(isp_rise);
    }
    kept.extend(
        ip_rises
            .into_iter()
            .zip(absorbed)
            .filter(|(_, absorbed)| !absorbed)
            .map(|(r, _)| r),
    );
    kept
}

/// The source IPs with attempts at `isp` in the scan.
pub(super) fn ips_of(scan: &Scan, isp: u32) -> Vec<u32> {
    let mut ips: Vec<u32> = scan
        .attempts
        .keys()
        .filter(|(i, ip)| *i == isp && ip.is_some())
        .filter_map(|(_, ip)| *ip)
        .collect();
    ips.sort_unstable();
    ips
}
