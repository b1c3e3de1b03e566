//! The demo's outcomes: questionnaires given in the demo people's sessions, so the
//! person pages, the caseload and the reports tell a believable story — most people feel
//! better by discharge, a few no better or worse, and data is missing the way it is in
//! practice (a baseline never taken, a discharge questionnaire not done, an item left
//! out). Every figure follows from the person's number `i`, so the demo is the same each
//! time.

use jiff::civil::Date;
use linkwell_domain::outcomes::instruments::{Instrument, Timepoint};
use linkwell_domain::outcomes::responses::{NewResponse, ResponseFields};
use linkwell_store::referrals::Referral;
use linkwell_store::sessions::Session;
use linkwell_store::{Actor, Db, OrgScope};

/// How much better person `i` is by discharge on SWEMWBS (raw points over seven items):
/// mostly better, two in ten no better or worse.
const SWEMWBS_GAIN: [i8; 10] = [4, 6, 2, 8, 3, 0, 5, -2, 7, 3];
/// Points up on ONS4's good items (and down on anxiety) by discharge.
const ONS4_GAIN: [i8; 10] = [2, 3, 1, 2, 0, 3, 1, -1, 2, 2];
/// Fewer GP appointments in the three months before discharge than before support.
const GP_FEWER: [u8; 10] = [2, 1, 3, 0, 2, 1, 2, 0, 1, 2];

/// The baseline was never taken for these people (the caseload says so).
pub(super) fn misses_baseline(i: usize) -> bool {
    i % 7 == 3
}

/// SWEMWBS answers: a baseline around the referred population's (raw 16–19), moved by
/// `gain` points spread over the items; `gap` leaves the fourth item out.
fn swemwbs(i: usize, gain: i8, gap: bool) -> Vec<String> {
    let mut items: Vec<i8> = (0..7).map(|k| 2 + i8::from((i + k).is_multiple_of(3))).collect();
    let mut left = gain;
    let mut k = 0;
    while left != 0 && k < 70 {
        let step = left.signum();
        let at = (i + k) % 7;
        if (1..=5).contains(&(items[at] + step)) {
            items[at] += step;
            left -= step;
        }
        k += 1;
    }
    items.iter().enumerate().map(|(k, v)| if gap && k == 3 { String::new() } else { v.to_string() }).collect()
}

/// ONS4 answers: life satisfaction, worthwhile, happiness and anxiety, moved by `gain`.
fn ons4(i: usize, gain: i8) -> Vec<String> {
    let low = |base: i8| (base + gain).clamp(0, 10).to_string();
    let i8i = (i % 4) as i8;
    vec![low(3 + i8i % 3), low(4 + i8i % 3), low(3 + i8i), (6 + i8i % 3 - gain).clamp(0, 10).to_string()]
}

async fn give(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
    session: Option<&Session>,
    (instrument, timepoint): (Instrument, Timepoint),
    (day, today): (Date, Date),
    answers: Vec<String>,
) -> anyhow::Result<()> {
    let fields = ResponseFields {
        instrument: instrument.code().into(),
        timepoint: timepoint.code().into(),
        answered_on: day.to_string(),
        answers,
        version: String::new(),
    };
    let questionnaire = linkwell_domain::outcomes::questionnaire::Questionnaire::BuiltIn(instrument);
    let response = NewResponse::parse(Some(&questionnaire), &fields, today).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let by = session.map(|s| s.worker_id);
    db.record_questionnaire(scope, &Actor::system(), r.person_id, r.id, session.map(|s| s.id), &response, by).await?;
    Ok(())
}

/// The questionnaires of person `i`'s first session: SWEMWBS, ONS4 and their GP
/// appointments, unless their baseline was missed.
pub(super) async fn baseline(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
    s: &Session,
    i: usize,
    today: Date,
) -> anyhow::Result<()> {
    if misses_baseline(i) {
        return Ok(());
    }
    let day = (linkwell_domain::time::london_date(s.starts_at), today);
    give(db, scope, r, Some(s), (Instrument::Swemwbs, Timepoint::Baseline), day, swemwbs(i, 0, false)).await?;
    give(db, scope, r, Some(s), (Instrument::Ons4, Timepoint::Baseline), day, ons4(i, 0)).await?;
    let visits = vec![(3 + i % 5).to_string()];
    give(db, scope, r, Some(s), (Instrument::GpAppointments, Timepoint::Baseline), day, visits).await
}

/// SWEMWBS halfway, in a third session.
pub(super) async fn review(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
    s: &Session,
    i: usize,
    today: Date,
) -> anyhow::Result<()> {
    let day = (linkwell_domain::time::london_date(s.starts_at), today);
    give(
        db,
        scope,
        r,
        Some(s),
        (Instrument::Swemwbs, Timepoint::Review),
        day,
        swemwbs(i, SWEMWBS_GAIN[i % 10] / 2, false),
    )
    .await
}

/// The questionnaires of person `i`'s last session before discharge, with the Friends
/// and Family Test; one in six does not do them, one in eleven leaves a SWEMWBS item out.
pub(super) async fn discharge(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
    s: &Session,
    i: usize,
    today: Date,
) -> anyhow::Result<()> {
    if i % 6 == 1 {
        return Ok(());
    }
    let day = (linkwell_domain::time::london_date(s.starts_at), today);
    let gap = i % 11 == 5;
    give(
        db,
        scope,
        r,
        Some(s),
        (Instrument::Swemwbs, Timepoint::Discharge),
        day,
        swemwbs(i, SWEMWBS_GAIN[i % 10], gap),
    )
    .await?;
    give(db, scope, r, Some(s), (Instrument::Ons4, Timepoint::Discharge), day, ons4(i, ONS4_GAIN[i % 10])).await?;
    let visits = vec![(3 + i % 5).saturating_sub(usize::from(GP_FEWER[i % 10])).to_string()];
    give(db, scope, r, Some(s), (Instrument::GpAppointments, Timepoint::Discharge), day, visits).await?;
    let experience = ["1", "1", "2", "1", "2", "1", "3", "1", "2", "1"][i % 10];
    give(db, scope, r, Some(s), (Instrument::FriendsAndFamily, Timepoint::Discharge), day, vec![experience.into()])
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_stay_on_their_scales_and_move_by_the_gain() {
        for i in 0..100 {
            for gain in SWEMWBS_GAIN {
                let a = swemwbs(i, gain, false);
                let v: Vec<i8> = a.iter().map(|x| x.parse().unwrap()).collect();
                assert!(v.iter().all(|x| (1..=5).contains(x)), "{a:?}");
                let base: i8 = swemwbs(i, 0, false).iter().map(|x| x.parse::<i8>().unwrap()).sum();
                assert_eq!(v.iter().sum::<i8>(), base + gain);
            }
            assert!(ons4(i, 3).iter().all(|x| (0..=10).contains(&x.parse::<i8>().unwrap())));
        }
    }
}
