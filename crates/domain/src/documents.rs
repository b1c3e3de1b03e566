//! A document to hand to someone — a care and support plan to take home — as plain blocks:
//! a title, the lines that say whose it is, headings, paragraphs and list items. Built once
//! from the record; each format it is offered in (the PDF download) lays the same blocks
//! out, so a format cannot say something the page does not.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub title: String,
    /// Whose it is and where it comes from ("Margaret Oakes", "NHS number: 943 476 5919"),
    /// under the title and in each page's footer (the first line).
    pub about: Vec<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// One item of a bulleted list.
    Item(String),
}

impl Document {
    pub fn new(title: impl Into<String>, about: Vec<String>) -> Document {
        Document { title: title.into(), about, blocks: Vec::new() }
    }

    pub fn heading(&mut self, text: impl Into<String>) -> &mut Document {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Document {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn items<S: Into<String>>(&mut self, items: impl IntoIterator<Item = S>) -> &mut Document {
        self.blocks.extend(items.into_iter().map(|i| Block::Item(i.into())));
        self
    }
}
