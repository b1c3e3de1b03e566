//! The built-in questionnaires, as published: their items, answer scales and the measures
//! each gives. A definition has a version, so answers keep the definition they were
//! given under when one changes.

/// When a questionnaire is given in a person's support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timepoint {
    /// At the first session.
    Baseline,
    /// At a review session.
    Review,
    /// At discharge.
    Discharge,
    /// Some weeks after discharge, usually through a link.
    FollowUp,
}

impl Timepoint {
    pub const ALL: [Timepoint; 4] = [Timepoint::Baseline, Timepoint::Review, Timepoint::Discharge, Timepoint::FollowUp];

    pub fn code(self) -> &'static str {
        match self {
            Timepoint::Baseline => "baseline",
            Timepoint::Review => "review",
            Timepoint::Discharge => "discharge",
            Timepoint::FollowUp => "follow_up",
        }
    }

    pub fn parse(s: &str) -> Result<Timepoint, String> {
        Timepoint::ALL.into_iter().find(|t| t.code() == s).ok_or_else(|| format!("unknown timepoint {s:?}"))
    }

    pub fn label(self) -> &'static str {
        match self {
            Timepoint::Baseline => "Baseline",
            Timepoint::Review => "Review",
            Timepoint::Discharge => "Discharge",
            Timepoint::FollowUp => "Follow-up after discharge",
        }
    }
}

/// The answers an item takes: each a number with what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale(pub &'static [(u8, &'static str)]);

impl Scale {
    /// Whether `value` is one of the scale's answers.
    pub fn allows(self, value: u8) -> bool {
        self.0.iter().any(|(v, _)| *v == value)
    }
}

/// One question of a questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub key: &'static str,
    pub text: &'static str,
    pub scale: Scale,
    /// Whether it may be left unanswered without the questionnaire being incomplete
    /// (MYCaW's second concern).
    pub optional: bool,
}

/// What a questionnaire measures, reported and compared over time on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// A built-in measure's own key, or an own questionnaire's code: unique in an
    /// organisation, so scores are found by it alone.
    pub key: std::borrow::Cow<'static, str>,
    pub label: std::borrow::Cow<'static, str>,
    /// The lowest and highest value it can take.
    pub range: (f64, f64),
    /// Lower is better (anxiety, loneliness, a concern's bother, GP appointments).
    pub lower_is_better: bool,
    /// The smallest change for one person that counts as meaningful, by default (a
    /// setting may change it; reports show the one used).
    pub meaningful_change: Option<f64>,
}

/// A built-in questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    Ons4,
    Swemwbs,
    Wemwbs,
    Ucla3,
    LonelinessDirect,
    Mycaw,
    FriendsAndFamily,
    GpAppointments,
}

const FIVE_FREQUENCIES: Scale =
    Scale(&[(1, "None of the time"), (2, "Rarely"), (3, "Some of the time"), (4, "Often"), (5, "All of the time")]);

const ELEVEN_POINTS: Scale = Scale(&[
    (0, "0"),
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5"),
    (6, "6"),
    (7, "7"),
    (8, "8"),
    (9, "9"),
    (10, "10"),
]);

const UCLA_FREQUENCIES: Scale = Scale(&[(1, "Hardly ever or never"), (2, "Some of the time"), (3, "Often")]);

const MYCAW_POINTS: Scale = Scale(&[
    (0, "0 Not bothering me at all"),
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5"),
    (6, "6 Bothers me greatly"),
]);

const MYCAW_WELLBEING: Scale = Scale(&[
    (0, "0 As good as it could be"),
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5"),
    (6, "6 As bad as it could be"),
]);

/// Appointments in the last three months: 0 to 99 (more is a slip of the keys).
const APPOINTMENTS: Scale = Scale(&{
    let mut all = [(0u8, ""); 100];
    let mut n = 0;
    while n < 100 {
        all[n] = (n as u8, "");
        n += 1;
    }
    all
});

fn item(key: &'static str, text: &'static str, scale: Scale) -> Item {
    Item { key, text, scale, optional: false }
}

/// The items SWEMWBS shares with WEMWBS, by their place in WEMWBS.
const WEMWBS_ITEMS: [(&str, &str); 14] = [
    ("optimistic", "I've been feeling optimistic about the future"),
    ("useful", "I've been feeling useful"),
    ("relaxed", "I've been feeling relaxed"),
    ("interested_in_others", "I've been feeling interested in other people"),
    ("energy", "I've had energy to spare"),
    ("dealing_with_problems", "I've been dealing with problems well"),
    ("thinking_clearly", "I've been thinking clearly"),
    ("good_about_myself", "I've been feeling good about myself"),
    ("close_to_others", "I've been feeling close to other people"),
    ("confident", "I've been feeling confident"),
    ("own_mind", "I've been able to make up my own mind about things"),
    ("loved", "I've been feeling loved"),
    ("interested_in_new_things", "I've been interested in new things"),
    ("cheerful", "I've been feeling cheerful"),
];

/// SWEMWBS's seven, by their place in WEMWBS.
const SWEMWBS_OF_WEMWBS: [usize; 7] = [0, 1, 2, 5, 6, 8, 10];

impl Instrument {
    pub const ALL: [Instrument; 8] = [
        Instrument::Ons4,
        Instrument::Swemwbs,
        Instrument::Wemwbs,
        Instrument::Ucla3,
        Instrument::LonelinessDirect,
        Instrument::Mycaw,
        Instrument::FriendsAndFamily,
        Instrument::GpAppointments,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Instrument::Ons4 => "ons4",
            Instrument::Swemwbs => "swemwbs",
            Instrument::Wemwbs => "wemwbs",
            Instrument::Ucla3 => "ucla3",
            Instrument::LonelinessDirect => "loneliness_direct",
            Instrument::Mycaw => "mycaw",
            Instrument::FriendsAndFamily => "fft",
            Instrument::GpAppointments => "gp_appointments",
        }
    }

    pub fn parse(s: &str) -> Result<Instrument, String> {
        Instrument::ALL.into_iter().find(|i| i.code() == s).ok_or_else(|| format!("unknown questionnaire {s:?}"))
    }

    pub fn name(self) -> &'static str {
        match self {
            Instrument::Ons4 => "ONS4 personal wellbeing",
            Instrument::Swemwbs => "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
            Instrument::Wemwbs => "Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS)",
            Instrument::Ucla3 => "UCLA 3-item loneliness scale",
            Instrument::LonelinessDirect => "How often do you feel lonely?",
            Instrument::Mycaw => "Measure Yourself Concerns and Wellbeing (MYCaW)",
            Instrument::FriendsAndFamily => "Friends and Family Test",
            Instrument::GpAppointments => "GP appointments in the last 3 months",
        }
    }

    /// What the person is told before the questions (the published wording where there
    /// is one); empty when the questions say it all.
    pub fn instructions(self) -> &'static str {
        match self {
            Instrument::Swemwbs | Instrument::Wemwbs => {
                "Below are some statements about feelings and thoughts. Please choose the answer that best describes your experience of each over the last 2 weeks."
            }
            Instrument::Ons4 => {
                "Four questions about your feelings on aspects of your life. There are no right or wrong answers. Answer each on a scale of 0 to 10, where 0 is \"not at all\" and 10 is \"completely\"."
            }
            Instrument::Ucla3 => {
                "The next questions are about how you feel about different aspects of your life. For each one, say how often you feel that way."
            }
            Instrument::Mycaw => "Think about your concerns and how you have been feeling over the past week.",
            Instrument::LonelinessDirect | Instrument::FriendsAndFamily | Instrument::GpAppointments => "",
        }
    }

    /// The version of the definition built in now: answers keep the version they were
    /// given under.
    pub fn version(self) -> u32 {
        1
    }

    /// Its questions, in order.
    pub fn items(self) -> Vec<Item> {
        match self {
            Instrument::Ons4 => vec![
                item("life_satisfaction", "Overall, how satisfied are you with your life nowadays?", ELEVEN_POINTS),
                item(
                    "worthwhile",
                    "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
                    ELEVEN_POINTS,
                ),
                item("happiness", "Overall, how happy did you feel yesterday?", ELEVEN_POINTS),
                item("anxiety", "Overall, how anxious did you feel yesterday?", ELEVEN_POINTS),
            ],
            Instrument::Swemwbs => SWEMWBS_OF_WEMWBS
                .iter()
                .map(|i| item(WEMWBS_ITEMS[*i].0, WEMWBS_ITEMS[*i].1, FIVE_FREQUENCIES))
                .collect(),
            Instrument::Wemwbs => WEMWBS_ITEMS.iter().map(|(k, t)| item(k, t, FIVE_FREQUENCIES)).collect(),
            Instrument::Ucla3 => vec![
                item("lack_companionship", "How often do you feel that you lack companionship?", UCLA_FREQUENCIES),
                item("left_out", "How often do you feel left out?", UCLA_FREQUENCIES),
                item("isolated", "How often do you feel isolated from others?", UCLA_FREQUENCIES),
            ],
            Instrument::LonelinessDirect => vec![item(
                "lonely",
                "How often do you feel lonely?",
                Scale(&[
                    (1, "Often or always"),
                    (2, "Some of the time"),
                    (3, "Occasionally"),
                    (4, "Hardly ever"),
                    (5, "Never"),
                ]),
            )],
            Instrument::Mycaw => vec![
                item("concern_1", "How much is your first concern bothering you now?", MYCAW_POINTS),
                Item {
                    optional: true,
                    ..item("concern_2", "How much is your second concern bothering you now?", MYCAW_POINTS)
                },
                item("wellbeing", "How would you rate your general feeling of wellbeing now?", MYCAW_WELLBEING),
            ],
            Instrument::FriendsAndFamily => vec![item(
                "experience",
                "Overall, how was your experience of our service?",
                Scale(&[
                    (1, "Very good"),
                    (2, "Good"),
                    (3, "Neither good nor poor"),
                    (4, "Poor"),
                    (5, "Very poor"),
                    (6, "Don't know"),
                ]),
            )],
            Instrument::GpAppointments => vec![item(
                "appointments",
                "In the last 3 months, how many times have you seen or spoken to a GP or practice nurse at your surgery?",
                APPOINTMENTS,
            )],
        }
    }

    /// What it measures, each reported on its own.
    pub fn measures(self) -> Vec<Measure> {
        let m = |key: &'static str, label: &'static str, range, lower_is_better, meaningful_change| Measure {
            key: key.into(),
            label: label.into(),
            range,
            lower_is_better,
            meaningful_change,
        };
        match self {
            Instrument::Ons4 => vec![
                m("life_satisfaction", "Life satisfaction", (0.0, 10.0), false, Some(1.0)),
                m("worthwhile", "Worthwhile", (0.0, 10.0), false, Some(1.0)),
                m("happiness", "Happiness yesterday", (0.0, 10.0), false, Some(1.0)),
                m("anxiety", "Anxiety yesterday", (0.0, 10.0), true, Some(1.0)),
            ],
            Instrument::Swemwbs => vec![m("swemwbs", "SWEMWBS metric score", (7.0, 35.0), false, Some(3.0))],
            Instrument::Wemwbs => vec![m("wemwbs", "WEMWBS score", (14.0, 70.0), false, Some(3.0))],
            Instrument::Ucla3 => vec![m("ucla3", "Loneliness (UCLA 3-item)", (3.0, 9.0), true, Some(1.0))],
            Instrument::LonelinessDirect => {
                vec![m("lonely", "How often lonely (1 often or always, 5 never)", (1.0, 5.0), false, Some(1.0))]
            }
            Instrument::Mycaw => vec![
                m("concern_1", "First concern", (0.0, 6.0), true, Some(1.0)),
                m("concern_2", "Second concern", (0.0, 6.0), true, Some(1.0)),
                m("wellbeing", "General wellbeing (MYCaW)", (0.0, 6.0), true, Some(1.0)),
            ],
            Instrument::FriendsAndFamily => {
                vec![m("fft_positive", "Friends and Family Test: positive", (0.0, 1.0), false, None)]
            }
            Instrument::GpAppointments => {
                vec![m("gp_appointments", "GP appointments in 3 months", (0.0, 99.0), true, None)]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_questionnaire_is_as_published() {
        let counts: Vec<usize> = Instrument::ALL.iter().map(|i| i.items().len()).collect();
        assert_eq!(counts, [4, 7, 14, 3, 1, 3, 1, 1]);
        let swemwbs: Vec<&str> = Instrument::Swemwbs.items().iter().map(|i| i.key).collect();
        assert_eq!(
            swemwbs,
            [
                "optimistic",
                "useful",
                "relaxed",
                "dealing_with_problems",
                "thinking_clearly",
                "close_to_others",
                "own_mind"
            ]
        );
        for i in Instrument::ALL {
            assert_eq!(Instrument::parse(i.code()), Ok(i));
            assert_eq!(i.version(), 1);
            assert!(!i.measures().is_empty());
        }
        for t in Timepoint::ALL {
            assert_eq!(Timepoint::parse(t.code()), Ok(t));
        }
        assert!(APPOINTMENTS.allows(0) && APPOINTMENTS.allows(99) && !APPOINTMENTS.allows(100));
    }
}
