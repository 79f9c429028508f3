//! Where AWS regions and Local Zone groups are: the one table that latency, geolocation and
//! geoproximity routing read.
//!
//! Route 53 knows where its regions are and measures latency between them and resolvers; a
//! self-hosted node knows only the names. Cairn therefore places each region at the metro
//! area its data centres are commonly reported in (coordinates rounded to 0.1°, enough for
//! choosing between regions hundreds of kilometres apart) and uses great-circle distance:
//! - latency routing: the record whose region is nearest the answering region (docs/dns.md);
//! - geoproximity routing: `AWSRegion` and `LocalZoneGroup` resolve to these coordinates;
//! - private hosted zones: a query from a VPC is located at its VPC's region (country and,
//!   in the US, state), as Route 53 does for geolocation in private zones.

/// The region a node is in unless `--region` says otherwise, and the region of an API request
/// that carries no signing scope: one value, so the API and the data plane never disagree.
pub const DEFAULT_REGION: &str = "us-east-1";

/// One AWS region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AwsRegion {
    /// The region code, e.g. `us-east-1`.
    pub name: &'static str,
    /// Latitude in degrees north.
    pub latitude: f64,
    /// Longitude in degrees east.
    pub longitude: f64,
    /// ISO 3166-1 alpha-2 country.
    pub country: &'static str,
    /// ISO 3166-2 subdivision without the country prefix, for US regions (the only country
    /// whose subdivisions Route 53 geolocation routes by, besides Ukraine).
    pub subdivision: Option<&'static str>,
}

const fn region(
    name: &'static str,
    latitude: f64,
    longitude: f64,
    country: &'static str,
    subdivision: Option<&'static str>,
) -> AwsRegion {
    AwsRegion {
        name,
        latitude,
        longitude,
        country,
        subdivision,
    }
}

/// Every region `ResourceRecordSetRegion` accepts, in the API model's order (botocore
/// route53 2013-04-01), so that an enumeration error lists them as Route 53 does.
pub const AWS_REGIONS: &[AwsRegion] = &[
    region("us-east-1", 38.9, -77.4, "US", Some("VA")),
    region("us-east-2", 40.0, -83.0, "US", Some("OH")),
    region("us-west-1", 37.4, -122.0, "US", Some("CA")),
    region("us-west-2", 45.8, -119.7, "US", Some("OR")),
    region("ca-central-1", 45.5, -73.6, "CA", None),
    region("eu-west-1", 53.3, -6.3, "IE", None),
    region("eu-west-2", 51.5, -0.1, "GB", None),
    region("eu-west-3", 48.9, 2.4, "FR", None),
    region("eu-central-1", 50.1, 8.7, "DE", None),
    region("eu-central-2", 47.4, 8.5, "CH", None),
    region("ap-southeast-1", 1.3, 103.8, "SG", None),
    region("ap-southeast-2", -33.9, 151.2, "AU", None),
    region("ap-southeast-3", -6.2, 106.8, "ID", None),
    region("ap-northeast-1", 35.7, 139.7, "JP", None),
    region("ap-northeast-2", 37.6, 127.0, "KR", None),
    region("ap-northeast-3", 34.7, 135.5, "JP", None),
    region("eu-north-1", 59.3, 18.1, "SE", None),
    region("sa-east-1", -23.5, -46.6, "BR", None),
    region("cn-north-1", 39.9, 116.4, "CN", None),
    region("cn-northwest-1", 38.5, 106.3, "CN", None),
    region("ap-east-1", 22.3, 114.2, "HK", None),
    region("me-south-1", 26.1, 50.6, "BH", None),
    region("me-central-1", 25.2, 55.3, "AE", None),
    region("ap-south-1", 19.1, 72.9, "IN", None),
    region("ap-south-2", 17.4, 78.5, "IN", None),
    region("af-south-1", -33.9, 18.4, "ZA", None),
    region("eu-south-1", 45.5, 9.2, "IT", None),
    region("eu-south-2", 41.6, -0.9, "ES", None),
    region("ap-southeast-4", -37.8, 145.0, "AU", None),
    region("il-central-1", 32.1, 34.8, "IL", None),
    region("ca-west-1", 51.0, -114.1, "CA", None),
    region("ap-southeast-5", 3.1, 101.7, "MY", None),
    region("mx-central-1", 20.6, -100.4, "MX", None),
    region("ap-southeast-7", 13.8, 100.5, "TH", None),
    region("us-gov-east-1", 40.0, -83.0, "US", Some("OH")),
    region("us-gov-west-1", 45.6, -121.2, "US", Some("OR")),
    region("ap-east-2", 25.0, 121.5, "TW", None),
    region("ap-southeast-6", -36.8, 174.8, "NZ", None),
    region("eusc-de-east-1", 52.4, 13.1, "DE", None),
];

/// The region called `name`, if Cairn knows it.
pub fn aws_region(name: &str) -> Option<&'static AwsRegion> {
    AWS_REGIONS.iter().find(|r| r.name == name)
}

/// Metro areas of AWS Local Zones, by the code that follows the parent region in a Local
/// Zone group name (`us-west-2-lax-1`): (code, latitude, longitude).
const LOCAL_ZONE_METROS: &[(&str, f64, f64)] = &[
    ("atl", 33.7, -84.4),
    ("bos", 42.4, -71.1),
    ("bue", -34.6, -58.4),
    ("chi", 41.9, -87.6),
    ("dfw", 32.9, -97.0),
    ("iah", 29.8, -95.4),
    ("lim", -12.0, -77.0),
    ("mci", 39.1, -94.6),
    ("mia", 25.8, -80.2),
    ("msp", 45.0, -93.3),
    ("nyc", 40.7, -74.0),
    ("phl", 40.0, -75.2),
    ("qro", 20.6, -100.4),
    ("scl", -33.4, -70.7),
    ("den", 39.7, -105.0),
    ("las", 36.2, -115.1),
    ("lax", 34.1, -118.2),
    ("pdx", 45.5, -122.7),
    ("phx", 33.4, -112.1),
    ("sea", 47.6, -122.3),
    ("ham", 53.6, 10.0),
    ("waw", 52.2, 21.0),
    ("cph", 55.7, 12.6),
    ("hel", 60.2, 24.9),
    ("ccu", 22.6, 88.4),
    ("del", 28.6, 77.2),
    ("bkk", 13.8, 100.5),
    ("mnl", 14.6, 121.0),
    ("akl", -36.8, 174.8),
    ("per", -32.0, 115.9),
    ("tpe", 25.0, 121.6),
    ("mct", 23.6, 58.4),
    ("los", 6.5, 3.4),
];

/// Where a Local Zone group (`<region>-<metro>-<n>`, e.g. `us-west-2-lax-1`) is: its metro
/// area when Cairn knows the code, else its parent region. `None` when the name does not
/// have that form or the parent region is unknown.
pub fn local_zone_group_location(group: &str) -> Option<(f64, f64)> {
    let (rest, number) = group.rsplit_once('-')?;
    let (parent, metro) = rest.rsplit_once('-')?;
    let well_formed = !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && (2..=4).contains(&metro.len())
        && metro.bytes().all(|b| b.is_ascii_lowercase());
    if !well_formed {
        return None;
    }
    let parent = aws_region(parent)?;
    let known = LOCAL_ZONE_METROS.iter().find(|(code, _, _)| *code == metro);
    Some(
        known.map_or((parent.latitude, parent.longitude), |&(_, lat, lon)| {
            (lat, lon)
        }),
    )
}

/// Great-circle distance in kilometres between two points given in degrees (haversine on a
/// sphere of the Earth's mean radius).
pub fn distance_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.min(1.0).sqrt().asin()
}

/// Great-circle distance in km between two regions; 0 for the same name, and infinite when
/// either is unknown (so a known region always wins).
pub fn region_distance(a: &str, b: &str) -> f64 {
    if a == b {
        return 0.0;
    }
    match (aws_region(a), aws_region(b)) {
        (Some(a), Some(b)) => distance_km((a.latitude, a.longitude), (b.latitude, b.longitude)),
        _ => f64::INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearby_regions_are_closer() {
        assert!(
            region_distance("us-east-1", "us-east-2") < region_distance("us-east-1", "eu-west-1")
        );
        assert!(
            region_distance("eu-west-1", "eu-west-2") < region_distance("eu-west-1", "us-west-2")
        );
        assert_eq!(region_distance("nowhere", "us-east-1"), f64::INFINITY);
        assert_eq!(region_distance("eu-west-1", "eu-west-1"), 0.0);
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        // London to Paris is about 344 km; antipodes are half the circumference.
        let d = distance_km((51.5074, -0.1278), (48.8566, 2.3522));
        assert!((d - 344.0).abs() < 3.0, "{d}");
        let half = distance_km((0.0, 0.0), (0.0, 180.0));
        assert!(
            (half - std::f64::consts::PI * 6371.0).abs() < 0.01,
            "{half}"
        );
    }

    #[test]
    fn region_names_are_unique() {
        for (i, r) in AWS_REGIONS.iter().enumerate() {
            assert!(
                AWS_REGIONS[i + 1..].iter().all(|o| o.name != r.name),
                "{} twice",
                r.name
            );
        }
    }

    #[test]
    fn local_zone_groups_resolve_to_their_metro_or_parent() {
        assert_eq!(
            local_zone_group_location("us-west-2-lax-1"),
            Some((34.1, -118.2))
        );
        // An unlisted metro of a known region sits at the region.
        assert_eq!(
            local_zone_group_location("us-east-1-zzz-1"),
            Some((38.9, -77.4))
        );
        for bad in [
            "us-west-2",
            "us-west-2-lax",
            "nowhere-1-lax-1",
            "us-west-2-LAX-1",
            "us-west-2-lax-x",
        ] {
            assert_eq!(local_zone_group_location(bad), None, "{bad}");
        }
    }
}
