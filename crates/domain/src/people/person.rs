//! What is recorded about a person, validated in one place for the form, the API and imports.

use jiff::civil::Date;

use crate::time::{DateEntry, DateEntryError};

use super::{NhsNumber, Postcode};
use crate::PracticeId;
use crate::identity::EmailAddress;
use crate::validation::{ValidationErrors, optional_text, required_text};

vocabulary!(
    /// Sex as recorded by the NHS (person stated sex).
    Sex, "Select the person's sex" {
        Female => "female", "Female";
        Male => "male", "Male";
        Indeterminate => "indeterminate", "Indeterminate";
        NotKnown => "not_known", "Not known";
    }
);

vocabulary!(
    /// NHS Data Dictionary ethnic category codes.
    EthnicCategory, "Select an ethnic category from the list" {
        WhiteBritish => "A", "White: British";
        WhiteIrish => "B", "White: Irish";
        WhiteOther => "C", "White: any other White background";
        MixedWhiteBlackCaribbean => "D", "Mixed: White and Black Caribbean";
        MixedWhiteBlackAfrican => "E", "Mixed: White and Black African";
        MixedWhiteAsian => "F", "Mixed: White and Asian";
        MixedOther => "G", "Mixed: any other mixed background";
        AsianIndian => "H", "Asian or Asian British: Indian";
        AsianPakistani => "J", "Asian or Asian British: Pakistani";
        AsianBangladeshi => "K", "Asian or Asian British: Bangladeshi";
        AsianOther => "L", "Asian or Asian British: any other Asian background";
        BlackCaribbean => "M", "Black or Black British: Caribbean";
        BlackAfrican => "N", "Black or Black British: African";
        BlackOther => "P", "Black or Black British: any other Black background";
        Chinese => "R", "Other ethnic groups: Chinese";
        Other => "S", "Other ethnic groups: any other ethnic group";
        NotStated => "Z", "Not stated";
        NotKnown => "99", "Not known";
    }
);

vocabulary!(
    /// How the person prefers to be contacted (and to receive reminders).
    ContactChannel, "Select how the person prefers to be contacted" {
        Phone => "phone", "Phone call";
        Sms => "sms", "Text message";
        Email => "email", "Email";
        Letter => "letter", "Letter";
    }
);

/// The raw fields of the person form or API body, all text as entered.
#[derive(Debug, Clone, Default)]
pub struct PersonFields {
    pub nhs_number: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: DateEntry,
    pub sex: String,
    pub gender_identity: String,
    pub ethnic_category: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub preferred_channel: String,
    pub access_needs: String,
    pub practice_id: String,
    pub consent_contact: bool,
    pub consent_share: bool,
    pub consent_share_practice: bool,
    pub consent_feedback: bool,
}

/// A person's details, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonInput {
    pub nhs_number: Option<NhsNumber>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub gender_identity: Option<String>,
    pub ethnic_category: Option<EthnicCategory>,
    pub postcode: Option<Postcode>,
    pub address: String,
    pub phone: Option<String>,
    pub email: Option<EmailAddress>,
    pub preferred_channel: ContactChannel,
    /// Communication and access needs (Accessible Information Standard), in the person's words.
    pub access_needs: String,
    pub practice_id: Option<PracticeId>,
    pub consent_contact: bool,
    /// To share their details with the community services they are referred to.
    pub consent_share: bool,
    /// To share the summary of their support with their GP practice (the discharge summary
    /// in full; without it the practice reads codes and dates only). Asked on its own: a
    /// consent given to community services does not reach the practice.
    pub consent_share_practice: bool,
    pub consent_feedback: bool,
}

pub(crate) fn optional<T, E: ToString>(s: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Result<Option<T>, String> {
    if s.trim().is_empty() { Ok(None) } else { parse(s).map(Some).map_err(|e| e.to_string()) }
}

/// A UK or international phone number: digits with spaces, brackets, hyphens and a leading +.
pub(crate) fn phone(s: &str) -> Result<String, &'static str> {
    let t = s.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " ()-".contains(c) || (c == '+' && i == 0));
    if allowed && (10..=15).contains(&digits) {
        Ok(t.to_owned())
    } else {
        Err("Enter a phone number, like 01632 960 001 or 07700 900 982")
    }
}

/// A date of birth: real, in the past, and at most 120 years ago.
pub fn date_of_birth(entry: &DateEntry, today: Date) -> Result<Date, String> {
    let date = match entry.read() {
        Err(DateEntryError::Empty) => return Err("Enter the date of birth".into()),
        Err(DateEntryError::NotReal) => {
            return Err(format!(
                "Date of birth must be a real date, like {}",
                entry.example(jiff::civil::date(1961, 3, 27))
            ));
        }
        Ok(d) => d,
    };
    if date >= today {
        return Err("Date of birth must be in the past".into());
    }
    // Nobody alive was born longer ago than that; an earlier year is a slip of the keys.
    let earliest = today.checked_sub(jiff::Span::new().years(120)).unwrap_or(Date::MIN);
    if date < earliest {
        return Err("Date of birth must be no more than 120 years ago".into());
    }
    Ok(date)
}

/// Who fills in a person's details, which decides what its messages call them: staff
/// writing about someone ("the person's first name"), or the person themselves ("your
/// first name"), as on the public self-referral form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    Staff,
    Themselves,
}

impl PersonInput {
    pub fn parse(f: &PersonFields, test_mode: bool, today: Date) -> Result<PersonInput, ValidationErrors> {
        Self::parse_as(f, test_mode, today, Voice::Staff)
    }

    /// Parse, with every message in `voice`.
    pub fn parse_as(
        f: &PersonFields,
        test_mode: bool,
        today: Date,
        voice: Voice,
    ) -> Result<PersonInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let (whose, them) = match voice {
            Voice::Staff => ("the person's", "to contact the person"),
            Voice::Themselves => ("your", "for us to contact you"),
        };
        let nhs_number = e.check("nhs_number", optional(&f.nhs_number, |s| NhsNumber::parse(s, test_mode)));
        let given_name = e.check("given_name", required_text(&format!("{whose} first name"), &f.given_name, 100));
        let family_name = e.check("family_name", required_text(&format!("{whose} last name"), &f.family_name, 100));
        let date_of_birth = e.check(
            "dob_day",
            date_of_birth(&f.date_of_birth, today).map_err(|why| match voice {
                Voice::Themselves if why == "Enter the date of birth" => "Enter your date of birth".to_owned(),
                _ => why,
            }),
        );
        let sex = e.check("sex", Sex::parse(&f.sex).map_err(|_| format!("Select {whose} sex")));
        let gender_identity = e.check("gender_identity", optional_text("Gender identity", &f.gender_identity, 100));
        let ethnic_category = e.check("ethnic_category", optional(&f.ethnic_category, EthnicCategory::parse));
        let postcode = e.check("postcode", optional(&f.postcode, Postcode::parse));
        let address = e.check("address", optional_text("Address", &f.address, 500));
        let phone = e.check("phone", optional(&f.phone, phone));
        let email = e.check("email", optional(&f.email, EmailAddress::parse));
        let preferred_channel = e.check(
            "preferred_channel",
            ContactChannel::parse(&f.preferred_channel).map_err(|why| match voice {
                Voice::Staff => why.to_string(),
                Voice::Themselves => "Select how you would like us to contact you".to_owned(),
            }),
        );
        let access_needs =
            e.check("access_needs", optional_text("Communication and access needs", &f.access_needs, 2000));
        let practice_id = e.check(
            "practice_id",
            optional(&f.practice_id, |s| s.trim().parse::<PracticeId>().map_err(|_| "Select a practice from the list")),
        );
        // The chosen channel must be usable.
        match (preferred_channel, &phone, &email, &postcode) {
            (Some(ContactChannel::Phone | ContactChannel::Sms), Some(None), _, _) => {
                e.add("phone", format!("Enter a phone number, or choose another way {them}"))
            }
            (Some(ContactChannel::Email), _, Some(None), _) => {
                e.add("email", format!("Enter an email address, or choose another way {them}"))
            }
            _ => {}
        }
        let ok = (|| {
            Some(PersonInput {
                nhs_number: nhs_number?,
                given_name: given_name?,
                family_name: family_name?,
                date_of_birth: date_of_birth?,
                sex: sex?,
                gender_identity: gender_identity.map(|g| if g.is_empty() { None } else { Some(g) })?,
                ethnic_category: ethnic_category?,
                postcode: postcode?,
                address: address?,
                phone: phone?,
                email: email?,
                preferred_channel: preferred_channel?,
                access_needs: access_needs?,
                practice_id: practice_id?,
                consent_contact: f.consent_contact,
                consent_share: f.consent_share,
                consent_share_practice: f.consent_share_practice,
                consent_feedback: f.consent_feedback,
            })
        })();
        match ok {
            Some(p) if e.is_empty() => Ok(p),
            _ => Err(e),
        }
    }
}

/// Lower-cased letters only, so "O'Neil-Smith" and "oneil smith" compare equal.
fn fold_name(s: &str) -> String {
    s.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect()
}

/// Whether the details a referral gives are a known person's to the letter: the same date
/// of birth and the same names (ignoring case, spaces and punctuation). Only then may a
/// referral from outside the team (a referrer, the person themselves) join the record that
/// holds its NHS number: the referrer learns nothing they did not say. Otherwise the
/// referral gets a record of its own, flagged for the coordinator to merge.
pub fn same_details(
    (given_a, family_a, dob_a): (&str, &str, Date),
    (given_b, family_b, dob_b): (&str, &str, Date),
) -> bool {
    dob_a == dob_b && fold_name(given_a) == fold_name(given_b) && fold_name(family_a) == fold_name(family_b)
}

/// Whether two people might be the same, so a new record is not created before a person
/// has checked: the same date of birth and a similar name (Jaro-Winkler ≥ 0.88 on the
/// folded full name, or the same last name and first initial), or the same date of birth
/// and the same real postcode. The same NHS number is not "possible": it is the same person.
pub fn possibly_same(
    (given_a, family_a, dob_a, postcode_a): (&str, &str, Date, Option<&str>),
    (given_b, family_b, dob_b, postcode_b): (&str, &str, Date, Option<&str>),
) -> bool {
    if dob_a != dob_b {
        return false;
    }
    let full_a = format!("{}{}", fold_name(given_a), fold_name(family_a));
    let full_b = format!("{}{}", fold_name(given_b), fold_name(family_b));
    let same_family_initial = fold_name(family_a) == fold_name(family_b)
        && fold_name(given_a).chars().next() == fold_name(given_b).chars().next();
    let similar = same_family_initial || strsim::jaro_winkler(&full_a, &full_b) >= 0.88;
    let same_postcode = match (postcode_a, postcode_b) {
        (Some(a), Some(b)) => a == b && !a.starts_with("ZZ99"),
        _ => false,
    };
    similar || same_postcode
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fields() -> PersonFields {
        PersonFields {
            nhs_number: "943 476 5919".into(),
            given_name: "Margaret".into(),
            family_name: "O'Neil".into(),
            date_of_birth: DateEntry::boxes("27", "3", "1951"),
            sex: "female".into(),
            postcode: "ls1 4ap".into(),
            phone: "07700 900982".into(),
            preferred_channel: "sms".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_person_parses() {
        let p = PersonInput::parse(&fields(), false, date(2026, 11, 22)).unwrap();
        assert_eq!(p.nhs_number.unwrap().to_string(), "943 476 5919");
        assert_eq!(p.postcode.unwrap().as_str(), "LS1 4AP");
        assert_eq!(p.date_of_birth, date(1951, 3, 27));
        assert_eq!(p.preferred_channel, ContactChannel::Sms);
        assert_eq!(p.gender_identity, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let f = PersonFields {
            nhs_number: "123".into(),
            date_of_birth: DateEntry::boxes("31", "2", "1990"),
            sex: "x".into(),
            ethnic_category: "Q".into(),
            postcode: "nowhere".into(),
            phone: "12".into(),
            email: "a@".into(),
            preferred_channel: "pigeon".into(),
            ..Default::default()
        };
        let e = PersonInput::parse(&f, false, date(2026, 11, 22)).unwrap_err();
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "nhs_number",
                "given_name",
                "family_name",
                "dob_day",
                "sex",
                "ethnic_category",
                "postcode",
                "phone",
                "email",
                "preferred_channel"
            ]
        );
        // A channel that cannot be used.
        let f = PersonFields { phone: String::new(), ..fields() };
        let e = PersonInput::parse(&f, false, date(2026, 11, 22)).unwrap_err();
        assert_eq!(e.for_field("phone"), Some("Enter a phone number, or choose another way to contact the person"));
    }

    #[test]
    fn dates_of_birth() {
        let today = date(2026, 11, 22);
        let boxes = |d, m, y| date_of_birth(&DateEntry::boxes(d, m, y), today);
        assert_eq!(boxes("", "", ""), Err("Enter the date of birth".into()));
        assert_eq!(boxes("23", "11", "2026"), Err("Date of birth must be in the past".into()));
        assert_eq!(boxes("21", "11", "1906"), Err("Date of birth must be no more than 120 years ago".into()));
        assert_eq!(boxes("22", "11", "1906"), Ok(date(1906, 11, 22)));
        assert_eq!(boxes("29", "2", "2023"), Err("Date of birth must be a real date, like 27 3 1961".into()));
        assert_eq!(boxes("29", "2", "2024"), Ok(date(2024, 2, 29)));
        // The API's ISO dates get the same rules, with an example written their way.
        let iso = |s: &str| date_of_birth(&DateEntry::Iso(s.into()), today);
        assert_eq!(iso("1961-02-30"), Err("Date of birth must be a real date, like 1961-03-27".into()));
        assert_eq!(iso("27 3 1961"), Err("Date of birth must be a real date, like 1961-03-27".into()));
        assert_eq!(iso("19610327"), Err("Date of birth must be a real date, like 1961-03-27".into()));
        assert_eq!(iso(" "), Err("Enter the date of birth".into()));
        assert_eq!(iso("2026-11-23"), Err("Date of birth must be in the past".into()));
        assert_eq!(iso("1961-03-27"), Ok(date(1961, 3, 27)));
    }

    proptest::proptest! {
        /// Any date is accepted as a date of birth exactly when it is before today and no
        /// more than 120 years before it.
        #[test]
        fn a_date_of_birth_is_past_and_within_a_lifetime(days_before in -400i32..50_000, today_offset in 0i32..20_000) {
            let today = date(2000, 1, 1).checked_add(jiff::Span::new().days(today_offset)).unwrap();
            let born = today.checked_sub(jiff::Span::new().days(days_before)).unwrap();
            let typed = DateEntry::Iso(born.to_string());
            let accepted = date_of_birth(&typed, today).is_ok();
            let within = born >= today.checked_sub(jiff::Span::new().years(120)).unwrap();
            proptest::prop_assert_eq!(accepted, days_before > 0 && within);
        }
    }

    #[test]
    fn possible_duplicates() {
        let dob = date(1951, 3, 27);
        let p = ("Margaret", "O'Neil", dob, Some("LS1 4AP"));
        assert!(possibly_same(p, ("Margret", "ONeil", dob, None)), "misspelt");
        assert!(possibly_same(p, ("M", "o'neil", dob, None)), "initial and last name");
        assert!(possibly_same(p, ("Peggy", "Smith", dob, Some("LS1 4AP"))), "same address and birthday");
        assert!(!possibly_same(p, ("Peggy", "Smith", dob, Some("LS2 7AA"))));
        assert!(!possibly_same(p, ("Margaret", "O'Neil", date(1951, 3, 28), Some("LS1 4AP"))), "different birthday");
        assert!(
            !possibly_same(("A", "B", dob, Some("ZZ99 3VZ")), ("C", "D", dob, Some("ZZ99 3VZ"))),
            "no fixed abode is not an address"
        );
    }
}
