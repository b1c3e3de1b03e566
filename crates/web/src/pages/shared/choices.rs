//! Choices for radios, checkboxes and selects.

use minijinja::Value;

/// `{value, text, checked}` items for radios, checkboxes and selects.
pub fn items<K: AsRef<str>, T: AsRef<str>>(choices: impl IntoIterator<Item = (K, T)>, chosen: &[String]) -> Vec<Value> {
    choices
        .into_iter()
        .map(|(value, text)| {
            let (value, text) = (value.as_ref(), text.as_ref());
            let on = chosen.iter().any(|c| c == value);
            minijinja::context! { value => value, text => text, checked => on, selected => on }
        })
        .collect()
}
