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

/// A British National Grid reference (OSGB36 eastings and northings, metres), as OS
/// Code-Point Open gives postcodes, converted to WGS84 latitude and longitude.
///
/// The inverse Transverse Mercator projection on the Airy 1830 ellipsoid, then a Helmert
/// transformation from OSGB36 to WGS84, both as published by Ordnance Survey ("A guide to
/// coordinate systems in Great Britain"). Accurate to a few metres — far finer than the
/// miles people search in.
pub fn from_british_national_grid(easting: f64, northing: f64) -> Option<LatLon> {
    if !(0.0..=700_000.0).contains(&easting) || !(0.0..=1_300_000.0).contains(&northing) {
        return None;
    }
    let (lat, lon) = osgb36_from_grid(easting, northing);
    let (lat, lon) = helmert_osgb36_to_wgs84(lat, lon);
    LatLon::new(lat.to_degrees(), lon.to_degrees())
}

// Airy 1830 and the National Grid's projection constants.
const AIRY_A: f64 = 6_377_563.396;
const AIRY_B: f64 = 6_356_256.909;
const F0: f64 = 0.999_601_271_7;
const N0: f64 = -100_000.0;
const E0: f64 = 400_000.0;

/// OSGB36 latitude and longitude (radians) of a grid reference.
fn osgb36_from_grid(e: f64, n: f64) -> (f64, f64) {
    let (a, b) = (AIRY_A, AIRY_B);
    let phi0 = 49f64.to_radians();
    let lambda0 = (-2f64).to_radians();
    let e2 = 1.0 - (b * b) / (a * a);
    let nn = (a - b) / (a + b);
    let meridional_arc = |phi: f64| {
        let (n2, n3) = (nn * nn, nn * nn * nn);
        b * F0
            * ((1.0 + nn + 1.25 * n2 + 1.25 * n3) * (phi - phi0)
                - (3.0 * nn + 3.0 * n2 + 2.625 * n3) * (phi - phi0).sin() * (phi + phi0).cos()
                + (1.875 * n2 + 1.875 * n3) * (2.0 * (phi - phi0)).sin() * (2.0 * (phi + phi0)).cos()
                - (35.0 / 24.0) * n3 * (3.0 * (phi - phi0)).sin() * (3.0 * (phi + phi0)).cos())
    };
    let mut phi = phi0;
    let mut m = 0.0;
    for _ in 0..20 {
        phi += (n - N0 - m) / (a * F0);
        m = meridional_arc(phi);
        if (n - N0 - m).abs() < 0.000_01 {
            break;
        }
    }
    let (s, c, t) = (phi.sin(), phi.cos(), phi.tan());
    let nu = a * F0 / (1.0 - e2 * s * s).sqrt();
    let rho = a * F0 * (1.0 - e2) / (1.0 - e2 * s * s).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (t2, t4, t6) = (t * t, t.powi(4), t.powi(6));
    let vii = t / (2.0 * rho * nu);
    let viii = t / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = t / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = 1.0 / (c * nu);
    let xi = 1.0 / (c * 6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = 1.0 / (c * 120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = 1.0 / (c * 5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);
    let de = e - E0;
    let lat = phi - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lon = lambda0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    (lat, lon)
}

/// OSGB36 to WGS84 (radians in, radians out) by the OS seven-parameter Helmert transform.
fn helmert_osgb36_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    // To Cartesian on Airy 1830.
    let e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let nu = AIRY_A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    let (x1, y1, z1) = (nu * lat.cos() * lon.cos(), nu * lat.cos() * lon.sin(), (1.0 - e2) * nu * lat.sin());
    // OSGB36 → WGS84 parameters (the inverse of OS's WGS84 → OSGB36 set).
    let (tx, ty, tz) = (446.448, -125.157, 542.060);
    let s = -20.4894e-6;
    let arcsec = |v: f64| (v / 3600.0f64).to_radians();
    let (rx, ry, rz) = (arcsec(0.1502), arcsec(0.2470), arcsec(0.8421));
    let x2 = tx + (1.0 + s) * x1 - rz * y1 + ry * z1;
    let y2 = ty + rz * x1 + (1.0 + s) * y1 - rx * z1;
    let z2 = tz - ry * x1 + rx * y1 + (1.0 + s) * z1;
    // Back to latitude and longitude on GRS80/WGS84.
    let (a, b) = (6_378_137.000, 6_356_752.314_1);
    let e2 = 1.0 - (b * b) / (a * a);
    let p = (x2 * x2 + y2 * y2).sqrt();
    let mut phi = (z2 / (p * (1.0 - e2))).atan();
    for _ in 0..10 {
        let nu = a / (1.0 - e2 * phi.sin().powi(2)).sqrt();
        phi = ((z2 + e2 * nu * phi.sin()) / p).atan();
    }
    (phi, y2.atan2(x2))
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    #[test]
    fn ordnance_survey_worked_example() {
        // OS guide, annex C: E 651409.903, N 313177.270 is OSGB36 52°39′27.2531″N 1°43′4.5177″E.
        let (lat, lon) = osgb36_from_grid(651_409.903, 313_177.270);
        let dms = |d: f64, m: f64, s: f64| d + m / 60.0 + s / 3600.0;
        assert!((lat.to_degrees() - dms(52.0, 39.0, 27.2531)).abs() < 1e-6, "{}", lat.to_degrees());
        assert!((lon.to_degrees() - dms(1.0, 43.0, 4.5177)).abs() < 1e-6, "{}", lon.to_degrees());
    }

    #[test]
    fn grid_references_land_where_the_postcode_is() {
        // Leeds Town Hall (LS1 3AD) is at about E 429,850 N 433,800; WGS84 about 53.8004, -1.5487.
        let p = from_british_national_grid(429_850.0, 433_800.0).unwrap();
        assert!(p.miles_to(LatLon::new(53.8004, -1.5487).unwrap()) < 0.1, "{p:?}");
        assert_eq!(from_british_national_grid(-5.0, 10.0), None);
    }
}
