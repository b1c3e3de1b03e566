//! Postcode coordinates from the two open datasets a deployment can download itself:
//!
//! - the ONS Postcode Directory (ONSPD) CSV: a header row; the postcode in `pcds` (or
//!   `pcd`), WGS84 `lat` and `long`; 99.999999 where a postcode has no grid reference;
//! - OS Code-Point Open CSV: no header row (or one naming `Eastings` and `Northings`); the
//!   postcode, a quality indicator, then British National Grid eastings and northings.
//!
//! Rows without a location are skipped and counted; a row that cannot be read stops the
//! load with its line number, because a malformed file is a wrong file.

use std::io::Read;

use anyhow::{Context, anyhow, bail};
use linkwell_domain::directory::{LatLon, from_british_national_grid};
use linkwell_domain::people::Postcode;
use linkwell_store::directory::PostcodeRow;

/// Which dataset a file is, and where its columns are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Onspd { postcode: usize, lat: usize, lon: usize },
    CodePoint { postcode: usize, easting: usize, northing: usize, header: bool },
}

fn layout(first: &csv::StringRecord) -> anyhow::Result<Layout> {
    let find = |names: &[&str]| first.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
    if let (Some(postcode), Some(lat), Some(lon)) =
        (find(&["pcds", "pcd", "pcd7", "pcd8"]), find(&["lat"]), find(&["long", "lon"]))
    {
        return Ok(Layout::Onspd { postcode, lat, lon });
    }
    if let (Some(easting), Some(northing)) = (find(&["eastings", "easting"]), find(&["northings", "northing"])) {
        let postcode = find(&["postcode", "pc"]).unwrap_or(0);
        return Ok(Layout::CodePoint { postcode, easting, northing, header: true });
    }
    if first.len() >= 4 && Postcode::parse(first.get(0).unwrap_or("")).is_ok() {
        return Ok(Layout::CodePoint { postcode: 0, easting: 2, northing: 3, header: false });
    }
    bail!(
        "this is not an ONS Postcode Directory or OS Code-Point Open CSV: the first line has no pcds/lat/long columns and does not start with a postcode"
    )
}

/// The rows of a postcode file, and how many had no location.
pub struct PostcodeFile<R: Read> {
    records: csv::StringRecordsIntoIter<R>,
    layout: Layout,
    pending: Option<csv::StringRecord>,
    pub skipped: u64,
}

impl<R: Read> PostcodeFile<R> {
    pub fn new(reader: R) -> anyhow::Result<PostcodeFile<R>> {
        let mut records =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader).into_records();
        let first = records.next().ok_or_else(|| anyhow!("the file is empty"))?.context("line 1 could not be read")?;
        let layout = layout(&first)?;
        let pending = matches!(layout, Layout::CodePoint { header: false, .. }).then_some(first);
        Ok(PostcodeFile { records, layout, pending, skipped: 0 })
    }

    /// The next row with a location, or `None` at the end.
    pub fn next_row(&mut self) -> anyhow::Result<Option<PostcodeRow>> {
        loop {
            let record = match self.pending.take() {
                Some(r) => r,
                None => match self.records.next() {
                    Some(r) => r?,
                    None => return Ok(None),
                },
            };
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let number = |i: usize, what: &str| -> anyhow::Result<f64> {
                field(i).parse::<f64>().with_context(|| format!("line {line}: {what} {:?} is not a number", field(i)))
            };
            let (raw, point) = match self.layout {
                Layout::Onspd { postcode, lat, lon } => {
                    let (la, lo) = (number(lat, "lat")?, number(lon, "long")?);
                    // ONSPD marks postcodes without a grid reference with latitude 99.999999.
                    (field(postcode), if la > 90.0 { None } else { LatLon::new(la, lo) })
                }
                Layout::CodePoint { postcode, easting, northing, .. } => {
                    let (e, n) = (number(easting, "eastings")?, number(northing, "northings")?);
                    (field(postcode), if e == 0.0 && n == 0.0 { None } else { from_british_national_grid(e, n) })
                }
            };
            let postcode = Postcode::parse(raw).map_err(|e| anyhow!("line {line}: postcode {raw:?}: {e}"))?;
            match point {
                Some(point) => return Ok(Some(PostcodeRow { postcode: postcode.as_str().to_owned(), point })),
                None => self.skipped += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any bytes, or lines close to either dataset's: each row read or the file
        /// refused with its line, never a panic.
        #[test]
        fn any_file_is_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..2000),
                                       lines in prop::collection::vec("(pcds,lat,long|[A-Z]{1,2}[0-9]{1,2} ?[0-9][A-Z]{2}|-?[0-9.e+]{0,12}|99.999999|,|\"|\n)*", 0..20)) {
            for text in [bytes, lines.join("\n").into_bytes()] {
                if let Ok(mut file) = PostcodeFile::new(text.as_slice()) {
                    for _ in 0..10_000 {
                        match file.next_row() {
                            Ok(Some(_)) => {}
                            Ok(None) | Err(_) => break,
                        }
                    }
                }
            }
        }
    }

    fn all(text: &str) -> (Vec<PostcodeRow>, u64) {
        let mut f = PostcodeFile::new(text.as_bytes()).unwrap();
        let mut rows = vec![];
        while let Some(r) = f.next_row().unwrap() {
            rows.push(r);
        }
        (rows, f.skipped)
    }

    #[test]
    fn reads_the_ons_postcode_directory() {
        let (rows, skipped) = all(
            "pcd,pcd2,pcds,dointr,doterm,oseast1m,osnrth1m,lat,long\n\"LS1 3AD\",\"LS1  3AD\",\"LS1 3AD\",198001,,429850,433800,53.800400,-1.548700\n\"LS9 9ZZ\",\"LS9  9ZZ\",\"LS9 9ZZ\",198001,,,,99.999999,0.000000\n",
        );
        assert_eq!(skipped, 1);
        assert_eq!(
            rows,
            vec![PostcodeRow { postcode: "LS1 3AD".into(), point: LatLon::new(53.8004, -1.5487).unwrap() }]
        );
    }

    #[test]
    fn reads_code_point_open_with_or_without_a_header() {
        let (rows, skipped) = all(
            "\"LS1 3AD\",10,429850,433800,\"E92000001\",\"E19000003\",\"E18000003\",\"\",\"E08000035\",\"E05011400\"\n\"LS99 9ZZ\",90,0,0,\"E92000001\",\"\",\"\",\"\",\"\",\"\"\n",
        );
        assert_eq!((rows.len(), skipped), (1, 1));
        assert!(rows[0].point.miles_to(LatLon::new(53.8004, -1.5487).unwrap()) < 0.1);
        let (rows, _) = all("Postcode,Positional_quality_indicator,Eastings,Northings\nLS13AD,10,429850,433800\n");
        assert_eq!(rows[0].postcode, "LS1 3AD");
    }

    #[test]
    fn a_wrong_file_is_named() {
        assert!(PostcodeFile::new("name,age\nAnn,3\n".as_bytes()).is_err());
        let mut f = PostcodeFile::new("pcds,lat,long\nLS1 3AD,53.8,x\n".as_bytes()).unwrap();
        assert_eq!(f.next_row().unwrap_err().to_string(), "line 2: long \"x\" is not a number");
    }
}
