//! Where things are: latitude and longitude (WGS84, as the ONS Postcode Directory and ORUK
//! publish them) and distances in miles, which is how people in the UK talk about them.

/// A point on the map, valid by construction (latitude −90..90, longitude −180..180).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

const EARTH_RADIUS_MILES: f64 = 3958.8;
pub const METRES_PER_MILE: f64 = 1609.344;

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> Option<LatLon> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(LatLon { lat, lon })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Great-circle distance (haversine), exact enough for "within 3 miles".
    pub fn miles_to(self, other: LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_MILES * a.sqrt().asin()
    }

    /// A box that holds every point within `miles`: a cheap indexed pre-filter, with the
    /// exact distance checked afterwards.
    pub fn bounding_box(self, miles: f64) -> BoundingBox {
        let dlat = (miles / EARTH_RADIUS_MILES).to_degrees();
        let dlon = dlat / self.lat.to_radians().cos().abs().max(0.01);
        BoundingBox {
            min_lat: self.lat - dlat,
            max_lat: self.lat + dlat,
            min_lon: self.lon - dlon,
            max_lon: self.lon + dlon,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    pub fn contains(&self, p: LatLon) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat) && (self.min_lon..=self.max_lon).contains(&p.lon)
    }
}

/// "1.2 miles", "0.3 miles", "12 miles".
pub fn display_miles(miles: f64) -> String {
    if miles < 10.0 { format!("{miles:.1} miles") } else { format!("{miles:.0} miles") }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_distances() {
        // A degree of latitude is 69.09 miles; London to Paris is 343.5 km (213.4 miles).
        let a = LatLon::new(53.0, -1.5).unwrap();
        assert!((a.miles_to(LatLon::new(54.0, -1.5).unwrap()) - 69.09).abs() < 0.01);
        let london = LatLon::new(51.5074, -0.1278).unwrap();
        let paris = LatLon::new(48.8566, 2.3522).unwrap();
        assert!((london.miles_to(paris) - 213.4).abs() < 0.5, "{}", london.miles_to(paris));
        assert_eq!(a.miles_to(a), 0.0);
        assert_eq!(LatLon::new(91.0, 0.0), None);
        assert_eq!(display_miles(1.234), "1.2 miles");
        assert_eq!(display_miles(12.6), "13 miles");
    }

    proptest! {
        /// Every point within the radius is inside the box, so the pre-filter loses nothing.
        #[test]
        fn bounding_box_holds_the_circle(lat in 49.0f64..61.0, lon in -8.0f64..2.0, miles in 0.1f64..50.0, bearing in 0.0f64..360.0, frac in 0.0f64..1.0) {
            let c = LatLon::new(lat, lon).unwrap();
            let d = miles * frac / EARTH_RADIUS_MILES;
            let (p1, l1, b) = (lat.to_radians(), lon.to_radians(), bearing.to_radians());
            let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos()).asin();
            let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
            let p = LatLon::new(p2.to_degrees(), l2.to_degrees()).unwrap();
            prop_assert!(c.miles_to(p) <= miles + 1e-6);
            prop_assert!(c.bounding_box(miles).contains(p));
        }
    }
}
