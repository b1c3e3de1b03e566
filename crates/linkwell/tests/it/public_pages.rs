//! The public pages in the person's own words (issue 12), on both engines: self-referral
//! says "you", the directory links to it, the header leads to the organisation's public
//! pages and not to staff sign-in, contact details can be tapped, "back to the search"
//! keeps the search, and a closed self-referral says so at its address.

use linkwell_store::Engine;
use linkwell_store::organisations::PublicSwitch;

use crate::support::{exec, spawn, switch_on};

both_engines!(self_referral_speaks_to_the_person);
both_engines!(the_public_directory_leads_to_help_and_back_to_the_search);

async fn self_referral_speaks_to_the_person(engine: Engine) {
    let app = spawn(engine).await;
    let http = reqwest::Client::new();
    // Closed: its address says so, and how else to be referred.
    let r = http.get(app.url("/self-referral/a")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Self-referral is not open") && html.contains("ask your GP practice"), "{html}");
    let r = http.get(app.url("/self-referral/nobody-by-this-name")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Page not found"));

    switch_on(&app, PublicSwitch::SelfReferral).await;
    let public = app.client();
    let html = public.text("/self-referral/a").await;
    assert!(html.contains("How would you like us to contact you?") && html.contains("In your own words"), "{html}");
    assert!(html.contains("I agree to be contacted by the service"), "{html}");
    assert!(!html.contains("How do they prefer") && !html.contains("the person"), "{html}");
    assert!(
        html.contains("href=\"/self-referral/a\" aria-label=\"") && !html.contains("href=\"/\" aria-label"),
        "{html}"
    );
    // An empty form is answered in the same voice.
    let r = public.post_form("/self-referral/a", &[("preferred_channel", "phone")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for message in [
        "Enter your first name",
        "Enter your last name",
        "Select your sex",
        "Enter a phone number, or choose another way for us to contact you",
    ] {
        assert!(html.contains(message), "{message}: {html}");
    }
    assert!(!html.contains("the person"), "{html}");
}

async fn the_public_directory_leads_to_help_and_back_to_the_search(engine: Engine) {
    let app = spawn(engine).await;
    switch_on(&app, PublicSwitch::Directory).await;
    let service = app.a.service.id;
    exec(
        &app.db,
        &format!("UPDATE services SET phone = '0113 496 0000', email = 'walks@example.org' WHERE id = '{service}'"),
    )
    .await;
    let public = app.client();
    let html = public.text("/community/a?q=walk").await;
    assert!(html.contains("href=\"/community/a\" aria-label=\""), "the header leads to the public pages: {html}");
    assert!(!html.contains("/self-referral/a"), "self-referral is off: {html}");
    let link = format!("/community/a/services/{service}?back=q%3Dwalk");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    // The filters wait behind a toggle until one is used, so the results come first.
    assert!(html.contains("<details class=\"nhsuk-details\">"), "{html}");
    assert!(public.text("/community/a?q=walk&day=TU").await.contains("<details class=\"nhsuk-details\" open>"));

    let listing = public.text(&link).await;
    assert!(listing.contains("href=\"/community/a?q=walk\""), "back keeps the search: {listing}");
    assert!(listing.contains("<a href=\"tel:01134960000\">0113 496 0000</a>"), "{listing}");
    assert!(listing.contains("<a href=\"mailto:walks@example.org\">walks@example.org</a>"), "{listing}");
    // Whatever comes back in `back`, the link goes back to this directory's search.
    let odd = public.text(&format!("/community/a/services/{service}?back=javascript%3Aalert(1)")).await;
    assert!(odd.contains("href=\"/community/a\""), "{odd}");

    switch_on(&app, PublicSwitch::SelfReferral).await;
    let html = public.text("/community/a").await;
    assert!(html.contains("href=\"/self-referral/a\">Refer yourself to social prescribing</a>"), "{html}");
}
