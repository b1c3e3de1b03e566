//! A [`Document`] as a PDF to download: A4, Helvetica (one of the fonts every PDF reader
//! has, so nothing is embedded and the file stays a few kilobytes), text wrapped to the
//! margins, a footer on every page naming whose it is and "Page n of N".
//!
//! Laid out first ([`layout`], pure and tested), then written with `pdf-writer`. The text is
//! set in WinAnsi, the standard fonts' encoding: Latin letters with their accents, the
//! dashes and quotes. A letter outside it is printed as its base letter when it has one
//! ("ő" as "o") and as "?" otherwise — the page and the print dialog keep every letter.

use axum::response::Response;
use linkwell_domain::documents::{Block, Document};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use unicode_normalization::UnicodeNormalization;

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// 2 cm.
const MARGIN: f32 = 56.7;
/// Where the lowest line of text may sit; the footer is below it.
const BOTTOM: f32 = MARGIN + 14.0;
const FOOTER_Y: f32 = MARGIN - 20.0;
/// How far a list item's text is set in from its bullet.
const INDENT: f32 = 14.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    /// Advance widths of the printable ASCII characters (32 to 126) in thousandths of the
    /// font size: Adobe's published metrics (AFM) for Helvetica and Helvetica-Bold.
    fn ascii_widths(self) -> &'static [u16; 95] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }

    /// The width of WinAnsi text at `size` points. A character beyond ASCII counts as wide
    /// as the widest of its kind in either font — 1000 for the dashes, ellipsis and other
    /// signs at 0x80–0x9F and for Æ, 834 for the other Latin-1 letters and signs — so a
    /// line with them may end a little early but does not run past the margin.
    pub fn width(self, text: &[u8], size: f32) -> f32 {
        let widths = self.ascii_widths();
        let units: u32 = text
            .iter()
            .map(|b| match b {
                32..=126 => u32::from(widths[usize::from(b - 32)]),
                0x95 => 350,
                0x80..=0x9F | 0xC6 => 1000,
                _ => 834,
            })
            .sum();
        units as f32 * size / 1000.0
    }
}

#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556,                               // 0 to 9
    278, 278, 584, 584, 584, 556, 1015,                                             // : to @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,                // A to M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,                // N to Z
    278, 278, 278, 469, 556, 333,                                                   // [ to `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,                // a to m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,                // n to z
    334, 260, 334, 584,                                                             // { to ~
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556,                               // 0 to 9
    333, 333, 584, 584, 584, 611, 975,                                              // : to @
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,                // A to M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,                // N to Z
    333, 278, 333, 584, 556, 333,                                                   // [ to `
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889,                // a to m
    611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500,                // n to z
    389, 280, 389, 584,                                                             // { to ~
];

/// One character in WinAnsi, if it has a place there.
fn win_ansi(c: char) -> Option<u8> {
    const SPECIALS: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    match u32::from(c) {
        0x20..=0x7E | 0xA0..=0xFF => u8::try_from(u32::from(c)).ok(),
        _ => SPECIALS.iter().find(|(s, _)| *s == c).map(|(_, b)| *b),
    }
}

/// Text as the standard fonts can set it (see the module's note); white space of any kind
/// is a space, other control characters are left out.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                return Some(b' ');
            }
            if c.is_control() {
                return None;
            }
            Some(win_ansi(c).or_else(|| c.to_string().nfd().next().and_then(win_ansi)).unwrap_or(b'?'))
        })
        .collect()
}

/// Encoded text broken into lines no wider than `width`: at spaces, and inside a word only
/// when the word alone is wider than a line.
pub fn wrap(text: &[u8], font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        let joined = if line.is_empty() { word.len() } else { line.len() + 1 + word.len() };
        let mut candidate = Vec::with_capacity(joined);
        if !line.is_empty() {
            candidate.extend_from_slice(&line);
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if font.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word on a line of its own, broken where it must be.
        for &b in word {
            line.push(b);
            if font.width(&line, size) > width && line.len() > 1 {
                let last = line.pop().unwrap_or(b);
                lines.push(std::mem::replace(&mut line, vec![last]));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// One line of text placed on a page (`y` is its baseline, from the bottom of the page).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub font: Font,
    pub size: f32,
    pub x: f32,
    pub y: f32,
    /// WinAnsi.
    pub text: Vec<u8>,
    pub grey: bool,
}

struct Layout {
    pages: Vec<Vec<Line>>,
    y: f32,
}

impl Layout {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// Room for `height` more on this page, or a new one.
    fn room_for(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn place(&mut self, font: Font, size: f32, leading: f32, x: f32, text: Vec<u8>, grey: bool) {
        self.room_for(leading);
        self.y -= leading;
        let y = self.y;
        if let Some(page) = self.pages.last_mut() {
            page.push(Line { font, size, x, y, text, grey });
        }
    }

    fn text(&mut self, text: &str, font: Font, size: f32, leading: f32, x: f32, grey: bool) {
        for line in wrap(&encode(text), font, size, PAGE_WIDTH - MARGIN - x) {
            self.place(font, size, leading, x, line, grey);
        }
    }
}

/// The document's lines, page by page, footers included.
pub fn layout(doc: &Document) -> Vec<Vec<Line>> {
    let mut l = Layout { pages: Vec::new(), y: 0.0 };
    l.new_page();
    l.text(&doc.title, Font::Bold, 20.0, 26.0, MARGIN, false);
    for about in &doc.about {
        l.text(about, Font::Regular, 11.0, 15.0, MARGIN, true);
    }
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => {
                // Kept with the first line under it.
                l.room_for(14.0 + 19.0 + 15.0);
                l.y -= 14.0;
                l.text(text, Font::Bold, 14.0, 19.0, MARGIN, false);
            }
            Block::Paragraph(text) => {
                for part in text.lines().filter(|p| !p.trim().is_empty()) {
                    l.text(part, Font::Regular, 11.0, 15.0, MARGIN, false);
                    l.y -= 4.0;
                }
            }
            Block::Item(text) => {
                if encode(text).iter().all(|b| *b == b' ') {
                    continue;
                }
                // The bullet beside the item's first line.
                l.room_for(15.0);
                let y = l.y - 15.0;
                if let Some(page) = l.pages.last_mut() {
                    page.push(Line { font: Font::Regular, size: 11.0, x: MARGIN, y, text: vec![0x95], grey: false });
                }
                l.text(text, Font::Regular, 11.0, 15.0, MARGIN + INDENT, false);
                l.y -= 2.0;
            }
        }
    }
    let count = l.pages.len();
    let fits = |text: &[u8]| Font::Regular.width(text, 9.0) <= PAGE_WIDTH - 2.0 * MARGIN;
    let whose = doc.about.first().map(String::as_str).unwrap_or_default();
    for (n, page) in l.pages.iter_mut().enumerate() {
        let of = format!("page {} of {count}", n + 1);
        // One line: without the title if a long name needs the room, the name cut short if
        // even that is too wide.
        let mut footer = encode(&format!("{whose} – {} – {of}", doc.title));
        if !fits(&footer) {
            let mut name = encode(whose);
            footer = [name.as_slice(), &encode(&format!(" – {of}"))].concat();
            let tail = encode(&format!("... – {of}"));
            while !fits(&footer) && !name.is_empty() {
                name.pop();
                footer = [name.as_slice(), &tail].concat();
            }
        }
        page.push(Line { font: Font::Regular, size: 9.0, x: MARGIN, y: FOOTER_Y, text: footer, grey: true });
    }
    l.pages
}

/// The document as a PDF file to save (`filename` is ours, never typed by anyone).
pub fn attachment(doc: &Document, filename: &str) -> Response {
    crate::download::attachment(filename, "application/pdf", render(doc))
}

/// The document as PDF bytes.
pub fn render(doc: &Document) -> Vec<u8> {
    let pages = layout(doc);
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let (regular, bold, info) = (Ref::new(3), Ref::new(4), Ref::new(5));
    // Each page and its content stream: 6, 7; 8, 9; …
    let page_ref = |n: usize| Ref::new(6 + 2 * n as i32);
    pdf.catalog(catalog).pages(tree).lang(TextStr("en-GB"));
    pdf.document_info(info).title(TextStr(&doc.title)).producer(TextStr("Linkwell"));
    pdf.pages(tree).kids((0..pages.len()).map(page_ref)).count(pages.len() as i32);
    for (font, base) in [(regular, Name(b"Helvetica")), (bold, Name(b"Helvetica-Bold"))] {
        pdf.type1_font(font).base_font(base).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (n, lines) in pages.iter().enumerate() {
        let (id, contents) = (page_ref(n), Ref::new(page_ref(n).get() + 1));
        let mut page = pdf.page(id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(tree).contents(contents);
        page.resources().fonts().pair(Font::Regular.name(), regular).pair(Font::Bold.name(), bold);
        page.finish();
        let mut content = Content::new();
        for line in lines {
            let shade = if line.grey { 0.3 } else { 0.0 };
            content.set_fill_rgb(shade, shade, shade);
            content.begin_text();
            content.set_font(line.font.name(), line.size);
            content.next_line(line.x, line.y);
            content.show(Str(&line.text));
            content.end_text();
        }
        pdf.stream(contents, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn letters_outside_win_ansi_fall_back_to_their_base_letter() {
        assert_eq!(encode("Zoë O’Neil – café"), b"Zo\xEB O\x92Neil \x96 caf\xE9");
        assert_eq!(encode("Łucja Dőry\u{7}\tx"), b"?ucja Dory x");
    }

    #[test]
    fn a_long_plan_runs_onto_more_pages_each_with_its_footer() {
        let mut doc = Document::new("Personalised care and support plan", vec!["Margaret Oakes".into()]);
        doc.heading("My goals").items((1..=80).map(|i| format!("Goal {i}: walk to the park and back")));
        let pages = layout(&doc);
        assert!(pages.len() >= 2, "{}", pages.len());
        for (n, page) in pages.iter().enumerate() {
            let footer = page.iter().find(|l| l.y == FOOTER_Y).expect("a footer");
            let expected =
                format!("Margaret Oakes – Personalised care and support plan – page {} of {}", n + 1, pages.len());
            assert_eq!(footer.text, encode(&expected));
            assert!(page.iter().all(|l| l.y >= FOOTER_Y && l.y <= PAGE_HEIGHT - MARGIN));
            assert!(page.iter().filter(|l| l.y != FOOTER_Y).all(|l| l.y >= BOTTOM));
        }
        // Every goal is there once, in order, each with its bullet.
        let texts: Vec<String> = pages
            .iter()
            .flatten()
            .filter(|l| l.text.starts_with(b"Goal "))
            .map(|l| String::from_utf8_lossy(&l.text).into_owned())
            .collect();
        assert_eq!(texts.len(), 80);
        assert_eq!(texts[79], "Goal 80: walk to the park and back");
        let bullets = pages.iter().flatten().filter(|l| l.text == [0x95]).count();
        assert_eq!(bullets, 80);
    }

    #[test]
    fn a_footer_fits_whatever_the_name_and_an_empty_item_has_no_bullet() {
        let long = "Anastasia-Wilhelmina ".repeat(8);
        let mut doc = Document::new("Personalised care and support plan", vec![long.clone()]);
        doc.heading("Tools").items(["\u{7}", "Five ways to wellbeing"]);
        let page = &layout(&doc)[0];
        let footer = page.iter().find(|l| l.y == FOOTER_Y).expect("a footer");
        assert!(Font::Regular.width(&footer.text, 9.0) <= PAGE_WIDTH - 2.0 * MARGIN);
        assert!(footer.text.starts_with(b"Anastasia-Wilhelmina") && footer.text.ends_with(b"... \x96 page 1 of 1"));
        assert_eq!(page.iter().filter(|l| l.text == [0x95]).count(), 1);
        // A name that fits leaves the title in.
        let short = layout(&Document::new("Plan", vec!["Ann Lee".into()]));
        assert_eq!(short[0].last().map(|l| l.text.clone()), Some(b"Ann Lee \x96 Plan \x96 page 1 of 1".to_vec()));
    }

    #[test]
    fn the_file_is_a_pdf_with_the_text_in_it() {
        let mut doc = Document::new("Plan", vec!["Ann Lee".into()]);
        doc.heading("What matters to me").paragraph("Seeing (old) friends");
        let bytes = render(&doc);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/BaseFont /Helvetica-Bold") && text.contains("/WinAnsiEncoding"), "{text}");
        assert!(text.contains("(Seeing (old) friends) Tj"), "{text}");
        assert!(text.trim_end().ends_with("%%EOF"));
    }

    proptest! {
        /// No line is wider than the width it was wrapped to, unless it is one character;
        /// and no word is lost or reordered.
        #[test]
        fn wrapped_lines_fit_and_keep_every_word(words in proptest::collection::vec("[a-zA-Z0-9éß,.'()-]{1,40}", 0..60), width in 20.0f32..480.0) {
            let text = encode(&words.join(" "));
            let lines = wrap(&text, Font::Regular, 11.0, width);
            for line in &lines {
                prop_assert!(Font::Regular.width(line, 11.0) <= width || line.len() == 1);
            }
            let rejoined: Vec<u8> = lines.iter().flatten().copied().filter(|b| *b != b' ').collect();
            let original: Vec<u8> = text.iter().copied().filter(|b| *b != b' ').collect();
            prop_assert_eq!(rejoined, original);
        }
    }
}
