//! Client locations from a MaxMind DB (`cairn serve --geoip-db`), for geolocation and
//! geoproximity routing.
//!
//! A lookup reads five fields of the record for an address (`continent.code`,
//! `country.iso_code`, `subdivisions[0].iso_code`, `location.latitude` and `.longitude`:
//! the GeoLite2/GeoIP2 Country and City layout) straight from the database bytes, without
//! allocating. The continent is Route 53's for the country (the table in [`route53_continent`], from the developer guide) and the
//! database's own only for an address with no country, so a record for `EU` matches the
//! same countries it matches on Route 53.

use std::net::IpAddr;
use std::path::Path;

use maxminddb::{path, Reader};

//----------- GeoIp ------------------------------------------------------------

/// An opened MaxMind DB, shared by every listener.
pub struct GeoIp {
    reader: Reader<Vec<u8>>,
}

/// Why a database could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GeoIpError(String);

impl GeoIp {
    /// Reads the database at `path` into memory.
    pub fn open(path: &Path) -> Result<Self, GeoIpError> {
        let bytes = std::fs::read(path).map_err(|e| {
            GeoIpError(format!(
                "cannot read the GeoIP database {}: {e}",
                path.display()
            ))
        })?;
        Self::from_bytes(bytes).map_err(|e| {
            GeoIpError(format!(
                "{} is not a usable MaxMind DB: {}",
                path.display(),
                e.0
            ))
        })
    }

    /// Uses `bytes` (a whole `.mmdb` file) as the database.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, GeoIpError> {
        let reader = Reader::from_source(bytes).map_err(|e| GeoIpError(e.to_string()))?;
        Ok(Self { reader })
    }

    /// The database's type, e.g. `GeoLite2-City`.
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// Where `ip` is, or `None` when the database does not place it (loopback, private and
    /// unassigned addresses; an IPv6 address in an IPv4-only database).
    pub fn locate(&self, ip: IpAddr) -> Option<Location> {
        let found = self.reader.lookup(ip).ok()?;
        if !found.has_data() {
            return None;
        }
        let field = |path: &[maxminddb::PathElement<'_>]| -> Option<Code> {
            found
                .decode_path::<&str>(path)
                .ok()
                .flatten()
                .and_then(Code::new)
        };
        let country = field(&path!["country", "iso_code"]);
        let subdivision = country.and_then(|_| field(&path!["subdivisions", 0, "iso_code"]));
        let continent = country
            .and_then(|c| route53_continent(c.as_str()))
            .and_then(Code::new)
            .or_else(|| field(&path!["continent", "code"]));
        let degrees = |name: &'static str| -> Option<f64> {
            found
                .decode_path::<f64>(&path!["location", name])
                .ok()
                .flatten()
                .filter(|d| d.is_finite())
        };
        let coordinates = degrees("latitude").zip(degrees("longitude"));
        if continent.is_none() && country.is_none() && coordinates.is_none() {
            return None;
        }
        Some(Location {
            continent,
            country,
            subdivision,
            coordinates,
        })
    }
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp")
            .field("database_type", &self.database_type())
            .field("node_count", &self.reader.metadata().node_count)
            .finish()
    }
}

//----------- Location ---------------------------------------------------------

/// Where a client is: the codes Route 53's `GeoLocation` uses, and the point geoproximity
/// routing measures from.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Location {
    /// Continent code (AF, AN, AS, EU, NA, OC, SA).
    pub continent: Option<Code>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<Code>,
    /// The first (largest) ISO 3166-2 subdivision of the country, without the country
    /// prefix (`CA` for California).
    pub subdivision: Option<Code>,
    /// (latitude, longitude) in degrees: the City databases' `location`.
    pub coordinates: Option<(f64, f64)>,
}

impl Location {
    /// Where a query from a VPC in `region` is, for routing in private hosted zones: Route 53
    /// locates those by the VPC's region (ROUTE53.md §2.7, §3). `None` for an unknown region.
    pub fn of_region(region: &str) -> Option<Self> {
        let r = cairn_model::region::aws_region(region)?;
        let country = Code::new(r.country);
        Some(Location {
            continent: route53_continent(r.country).and_then(Code::new),
            country,
            subdivision: r.subdivision.and_then(Code::new),
            coordinates: Some((r.latitude, r.longitude)),
        })
    }
}

/// A short location code (1–3 ASCII letters or digits), uppercase, stored inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Code {
    bytes: [u8; 3],
    len: u8,
}

impl Code {
    /// `text` uppercased, if it is 1–3 ASCII letters or digits.
    pub fn new(text: &str) -> Option<Self> {
        let len = text.len();
        if !(1..=3).contains(&len) || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let mut bytes = [0u8; 3];
        for (b, t) in bytes.iter_mut().zip(text.bytes()) {
            *b = t.to_ascii_uppercase();
        }
        Some(Self {
            bytes,
            len: len as u8,
        })
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("built from ASCII")
    }

    /// Whether `text` is this code, ignoring case.
    pub fn matches(&self, text: &str) -> bool {
        self.as_str().eq_ignore_ascii_case(text)
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

//----------- Route 53's continents ---------------------------------------------

/// The countries Route 53 associates with each continent ([DG:resource-record-sets-values-geo],
/// "Location").
const CONTINENTS: [(&str, &str); 7] = [
    ("AF", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"),
    ("AN", "AQ GS TF"),
    ("AS", "AE AF AM AZ BD BH BN BT CC CN GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TM TR TW UZ VN YE"),
    ("EU", "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"),
    ("NA", "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI"),
    ("OC", "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV UM VU WF WS"),
    ("SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"),
];

/// The continent Route 53 puts `country` (ISO 3166-1 alpha-2, uppercase) in.
pub fn route53_continent(country: &str) -> Option<&'static str> {
    let code = country.as_bytes();
    if code.len() != 2 {
        return None;
    }
    CONTINENTS
        .iter()
        .find(|(_, countries)| countries.as_bytes().chunks(3).any(|c| &c[..2] == code))
        .map(|(continent, _)| *continent)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture written by tests/fixtures/geoip/make_test_city.py (its table says what
    /// each network holds).
    pub(crate) fn fixture() -> GeoIp {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/geoip/test-city.mmdb"
        );
        GeoIp::open(Path::new(path)).expect("the fixture opens")
    }

    fn locate(db: &GeoIp, ip: &str) -> Option<(String, String, String)> {
        let s = |c: Option<Code>| c.map_or(String::new(), |c| c.as_str().to_string());
        db.locate(ip.parse().unwrap())
            .map(|l| (s(l.continent), s(l.country), s(l.subdivision)))
    }

    fn loc(continent: &str, country: &str, subdivision: &str) -> Option<(String, String, String)> {
        Some((continent.into(), country.into(), subdivision.into()))
    }

    #[test]
    fn fixture_addresses_are_located() {
        let db = fixture();
        assert_eq!(db.database_type(), "GeoLite2-City");
        assert_eq!(locate(&db, "198.51.100.7"), loc("NA", "US", "CA"));
        assert_eq!(locate(&db, "203.0.113.200"), loc("NA", "US", "TX"));
        assert_eq!(locate(&db, "192.0.2.1"), loc("EU", "DE", ""));
        assert_eq!(locate(&db, "2001:db8:1::53"), loc("EU", "GB", "ENG"));
        assert_eq!(locate(&db, "2001:db8:2:ffff::1"), loc("NA", "US", ""));
        // Only a continent in the database.
        assert_eq!(locate(&db, "100.64.2.1"), loc("EU", "", ""));
    }

    #[test]
    fn city_locations_carry_coordinates() {
        let db = fixture();
        let at = |ip: &str| db.locate(ip.parse().unwrap()).and_then(|l| l.coordinates);
        assert_eq!(at("198.51.100.7"), Some((37.77, -122.42)));
        assert_eq!(at("2001:db8:1::53"), Some((51.51, -0.13)));
        assert_eq!(
            at("100.64.2.1"),
            None,
            "a continent-only record has no point"
        );
    }

    #[test]
    fn a_region_is_located_in_its_country_and_state() {
        let oregon = Location::of_region("us-west-2").unwrap();
        assert_eq!(oregon.continent.unwrap().as_str(), "NA");
        assert_eq!(oregon.country.unwrap().as_str(), "US");
        assert_eq!(oregon.subdivision.unwrap().as_str(), "OR");
        let frankfurt = Location::of_region("eu-central-1").unwrap();
        assert_eq!(
            (
                frankfurt.continent.unwrap().as_str(),
                frankfurt.country.unwrap().as_str()
            ),
            ("EU", "DE")
        );
        assert!(frankfurt.subdivision.is_none());
        assert!(Location::of_region("moon-1").is_none());
    }

    #[test]
    fn the_continent_is_route53s_for_the_country() {
        let db = fixture();
        // The record has FR and no continent: Route 53's table puts FR in Europe.
        assert_eq!(locate(&db, "192.0.2.200"), loc("EU", "FR", ""));
        assert_eq!(route53_continent("TR"), Some("AS"));
        assert_eq!(route53_continent("RU"), Some("EU"));
        assert_eq!(route53_continent("US"), Some("NA"));
        assert_eq!(route53_continent("AS"), Some("OC")); // American Samoa
        assert_eq!(route53_continent("ZZ"), None);
        assert_eq!(route53_continent("USA"), None);
    }

    #[test]
    fn unplaced_addresses_have_no_location() {
        let db = fixture();
        for ip in [
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "198.51.101.1",
            "2001:db8:3::1",
        ] {
            assert_eq!(locate(&db, ip), None, "{ip}");
        }
    }

    #[test]
    fn garbage_is_not_a_database() {
        assert!(GeoIp::from_bytes(b"not a maxmind db".to_vec()).is_err());
        let err = GeoIp::open(Path::new("/nonexistent/geo.mmdb")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/geo.mmdb"), "{err}");
    }

    #[test]
    fn codes_are_short_uppercase_ascii() {
        assert_eq!(
            Code::new("ca").map(|c| c.as_str().to_string()),
            Some("CA".into())
        );
        assert!(Code::new("ENG").unwrap().matches("eng"));
        assert!(Code::new("").is_none());
        assert!(Code::new("ABCD").is_none());
        assert!(Code::new("C-").is_none());
    }
}
