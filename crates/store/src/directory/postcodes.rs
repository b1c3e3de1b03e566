//! Postcode coordinates: open data a deployment loads itself (ONS Postcode Directory or
//! OS Code-Point Open, through `linkwell import postcodes`). Not tenant data: one table
//! serves every organisation, so these functions take no scope.

use linkwell_domain::directory::LatLon;
use linkwell_domain::people::Postcode;

use crate::{Db, Result};

/// One row to load: a full postcode (`LS8 2HH`) or a district (`LS8`) and its point.
#[derive(Debug, Clone, PartialEq)]
pub struct PostcodeRow {
    pub postcode: String,
    pub point: LatLon,
}

/// Where a distance is measured from, and how exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Located {
    /// The postcode itself is in the directory.
    Postcode(LatLon),
    /// Only its district's centroid is known (within a mile or two).
    District(LatLon),
}

impl Located {
    pub fn point(self) -> LatLon {
        match self {
            Located::Postcode(p) | Located::District(p) => p,
        }
    }
}

const BATCH: usize = 1000;

impl Db {
    /// Load rows, replacing the point of any postcode already loaded. Returns how many.
    pub async fn import_postcodes(&self, rows: impl IntoIterator<Item = PostcodeRow>) -> Result<u64> {
        let mut n = 0u64;
        let mut batch = Vec::with_capacity(BATCH);
        for row in rows {
            batch.push(row);
            if batch.len() == BATCH {
                n += self.import_postcode_batch(&batch).await?;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            n += self.import_postcode_batch(&batch).await?;
        }
        Ok(n)
    }

    async fn import_postcode_batch(&self, rows: &[PostcodeRow]) -> Result<u64> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO postcodes (postcode, latitude, longitude) ");
            qb.push_values(rows, |mut b, r| {
                b.push_bind(r.postcode.clone()).push_bind(r.point.lat()).push_bind(r.point.lon());
            });
            qb.push(" ON CONFLICT (postcode) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude");
            qb.build().execute(&mut *conn).await?;
        });
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// Work out each district's centroid from its full postcodes (the mean point), for
    /// postcodes that are not themselves loaded. Returns how many districts.
    pub async fn refresh_district_centroids(&self) -> Result<u64> {
        // The engines name "the part before the space" differently (see dialect).
        let sql = crate::dialect::district_centroids(self.engine());
        let n = on_writer!(self, pool => sqlx::query(sql).execute(pool).await?.rows_affected());
        Ok(n)
    }

    /// The point of a postcode, or of its district when only that is known.
    pub async fn locate_postcode(&self, postcode: &Postcode) -> Result<Option<Located>> {
        if postcode.is_pseudo() {
            return Ok(None);
        }
        if let Some(p) = self.postcode_point(postcode.as_str()).await? {
            return Ok(Some(Located::Postcode(p)));
        }
        Ok(self.postcode_point(postcode.outward()).await?.map(Located::District))
    }

    /// Give each place with a postcode but no point (as a form gives) its point. A point
    /// already given (as an import may) is kept.
    pub async fn locate_places(&self, places: &mut [linkwell_domain::directory::LocationInput]) -> Result<()> {
        for l in places.iter_mut().filter(|l| l.point.is_none()) {
            if let Some(pc) = &l.postcode {
                l.point = self.locate_postcode(pc).await?.map(Located::point);
            }
        }
        Ok(())
    }

    /// Where a typed postcode is, or why it cannot be used: the one reading of "a postcode
    /// to measure from" for the directory's search, the public search and ORUK.
    pub async fn locate_typed(&self, typed: &str) -> Result<std::result::Result<LatLon, String>> {
        match Postcode::parse(typed) {
            Ok(pc) => Ok(self.locate_postcode(&pc).await?.map(Located::point).ok_or_else(|| {
                "Linkwell does not know where this postcode is. Try another postcode nearby".to_owned()
            })),
            Err(e) => Ok(Err(e.to_string())),
        }
    }

    /// The point of a district (`LS8`) or a full postcode, as loaded.
    pub async fn postcode_point(&self, key: &str) -> Result<Option<LatLon>> {
        on_db!(self, pool => {
            let r: Option<(f64, f64)> = sqlx::query_as("SELECT latitude, longitude FROM postcodes WHERE postcode = $1").bind(key).fetch_optional(pool).await?;
            Ok(r.and_then(|(lat, lon)| LatLon::new(lat, lon)))
        })
    }

    pub async fn postcode_count(&self) -> Result<u64> {
        on_db!(self, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) AS n FROM postcodes").fetch_one(pool).await?;
            Ok(n.max(0) as u64)
        })
    }
}
