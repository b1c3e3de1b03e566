//! Stories and testimonials from a group's members, used only with their explicit consent
//! to publish: who gave each and when is recorded, with what may be shown — their first
//! name, no name, or nothing outside the team. A member may withdraw a story at any time
//! (by the link in any message, or by asking the team); withdrawal takes its words off
//! everywhere, keeping only that there was one and when it was withdrawn.

use jiff::civil::Date;

use crate::ids::GroupMemberId;
use crate::validation::{ValidationErrors, required_text};

/// The longest story kept.
pub const MAX_STORY: usize = 3000;

/// What may be shown of a story outside the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoryDisplay {
    /// Published with the member's first name.
    FirstName,
    /// Published without a name.
    Anonymous,
    /// Not published: for the team and its reports only.
    NotShown,
}

impl StoryDisplay {
    pub const ALL: [StoryDisplay; 3] = [StoryDisplay::FirstName, StoryDisplay::Anonymous, StoryDisplay::NotShown];

    pub fn code(self) -> &'static str {
        match self {
            StoryDisplay::FirstName => "first_name",
            StoryDisplay::Anonymous => "anonymous",
            StoryDisplay::NotShown => "not_shown",
        }
    }

    pub fn parse(s: &str) -> Result<StoryDisplay, String> {
        StoryDisplay::ALL.into_iter().find(|d| d.code() == s).ok_or_else(|| format!("unknown story display {s:?}"))
    }

    pub fn label(self) -> &'static str {
        match self {
            StoryDisplay::FirstName => "With their first name",
            StoryDisplay::Anonymous => "Without a name",
            StoryDisplay::NotShown => "Not at all outside the team",
        }
    }

    /// Who the story is shown as where it is published, or `None`: it is not.
    pub fn shown_as(self, first_name: &str) -> Option<String> {
        match self {
            StoryDisplay::FirstName => Some(first_name.to_owned()),
            StoryDisplay::Anonymous => Some("A member of the group".to_owned()),
            StoryDisplay::NotShown => None,
        }
    }
}

/// A story as typed on the form or sent to the API, before it is checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct StoryFields {
    /// The member who gave it.
    pub member: String,
    pub story: String,
    /// When they gave it, ISO 8601 (`2027-03-31`); empty: today.
    pub given_on: String,
    /// `first_name`, `anonymous` or `not_shown`.
    pub display: String,
    /// They agreed to their story being used as `display` says.
    pub consent: bool,
}

/// A story to record, valid by construction: it cannot exist without consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStory {
    pub member: GroupMemberId,
    pub story: String,
    pub given_on: Date,
    pub display: StoryDisplay,
}

impl NewStory {
    /// Check every field at once, naming each one that is wrong, on `today`.
    pub fn parse(f: &StoryFields, today: Date) -> Result<NewStory, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let member = f.member.trim().parse::<GroupMemberId>().ok();
        if member.is_none() {
            e.add("member", "Select the member who gave the story");
        }
        let story = e.check("story", required_text("the story", &f.story, MAX_STORY));
        let given_on = match f.given_on.trim() {
            "" => Some(today),
            d => match d.parse::<Date>() {
                Ok(d) if d <= today => Some(d),
                Ok(_) => {
                    e.add("given_on", "The day they gave it must be today or in the past");
                    None
                }
                Err(_) => {
                    e.add("given_on", "Enter the day they gave it as a date, like 2027-03-31");
                    None
                }
            },
        };
        let display = StoryDisplay::parse(f.display.trim()).ok();
        if display.is_none() {
            e.add("display", "Select what may be shown of the story");
        }
        if !f.consent {
            e.add("consent", "Confirm they agreed to their story being used as chosen: without it, it cannot be kept");
        }
        e.into_result()?;
        match (member, story, given_on, display) {
            (Some(member), Some(story), Some(given_on), Some(display)) => {
                Ok(NewStory { member, story, given_on, display })
            }
            _ => Err(ValidationErrors::single("story", "Enter the story")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fields() -> StoryFields {
        StoryFields {
            member: GroupMemberId::new().to_string(),
            story: " The walks got me out of the house again. ".into(),
            given_on: "2027-01-05".into(),
            display: "first_name".into(),
            consent: true,
        }
    }

    #[test]
    fn a_story_needs_consent_and_names_each_wrong_field() {
        let today = date(2027, 1, 6);
        let s = NewStory::parse(&fields(), today).unwrap();
        assert_eq!(
            (s.story.as_str(), s.given_on, s.display),
            ("The walks got me out of the house again.", date(2027, 1, 5), StoryDisplay::FirstName)
        );
        let today_by_default = NewStory::parse(&StoryFields { given_on: String::new(), ..fields() }, today).unwrap();
        assert_eq!(today_by_default.given_on, today);
        let bad = StoryFields {
            member: "someone".into(),
            story: "  ".into(),
            given_on: "2027-01-07".into(),
            display: "full_name".into(),
            consent: false,
        };
        let e = NewStory::parse(&bad, today).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["member", "story", "given_on", "display", "consent"]);
        let long = StoryFields { story: "x".repeat(MAX_STORY + 1), given_on: "5/1/2027".into(), ..fields() };
        let e = NewStory::parse(&long, today).unwrap_err();
        assert!(e.for_field("story").is_some() && e.for_field("given_on").is_some());
    }

    #[test]
    fn what_is_shown_follows_the_choice() {
        assert_eq!(StoryDisplay::FirstName.shown_as("Ann").as_deref(), Some("Ann"));
        assert_eq!(StoryDisplay::Anonymous.shown_as("Ann").as_deref(), Some("A member of the group"));
        assert_eq!(StoryDisplay::NotShown.shown_as("Ann"), None);
        for d in StoryDisplay::ALL {
            assert_eq!(StoryDisplay::parse(d.code()), Ok(d));
        }
    }
}
