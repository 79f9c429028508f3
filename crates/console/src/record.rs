//! One resource record set as the console shows and edits it: read from a
//! ListResourceRecordSets `<ResourceRecordSet>`, read from the record form, written back as
//! the `<ResourceRecordSet>` of a ChangeResourceRecordSets request.
//!
//! Fields are kept as the text the user or the API gave; the API validates them and its
//! error is shown in words.

use std::collections::HashMap;
use std::fmt::Write as _;

use cairn_api::protocol::rest_xml::Element;

use crate::html::{checkbox, escape, select, text_input};

/// The routing policies the record form offers, as `(form value, label)`.
pub const POLICIES: [(&str, &str); 8] = [
    ("simple", "Simple"),
    ("weighted", "Weighted"),
    ("latency", "Latency"),
    ("failover", "Failover"),
    ("geolocation", "Geolocation"),
    ("geoproximity", "Geoproximity"),
    ("multivalue", "Multivalue answer"),
    ("cidr", "IP-based (CIDR)"),
];

/// The record types the form offers.
pub const TYPES: [&str; 13] = [
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV", "TXT",
];

/// A resource record set, every field Route 53 defines that Cairn serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordSet {
    /// Owner name, as listed (`www.example.com.`).
    pub name: String,
    /// `A`, `AAAA`, …
    pub rtype: String,
    /// `SetIdentifier` (routing policies other than simple).
    pub set_identifier: String,
    /// TTL; empty for an alias.
    pub ttl: String,
    /// Values, one per record.
    pub values: Vec<String>,
    /// One of [`POLICIES`]' values.
    pub policy: String,
    /// Weighted: `Weight`.
    pub weight: String,
    /// Latency: `Region`.
    pub region: String,
    /// Failover: `PRIMARY` or `SECONDARY`.
    pub failover: String,
    /// Geolocation: continent, country and subdivision codes.
    pub continent: String,
    /// Geolocation country code.
    pub country: String,
    /// Geolocation subdivision code.
    pub subdivision: String,
    /// Geoproximity: AWS region, local zone group, latitude, longitude and bias.
    pub geo_region: String,
    /// Geoproximity local zone group.
    pub geo_local_zone_group: String,
    /// Geoproximity latitude.
    pub geo_latitude: String,
    /// Geoproximity longitude.
    pub geo_longitude: String,
    /// Geoproximity bias.
    pub geo_bias: String,
    /// IP-based: CIDR collection id and location name.
    pub cidr_collection: String,
    /// IP-based location name.
    pub cidr_location: String,
    /// `HealthCheckId`.
    pub health_check: String,
    /// Whether this is an alias record.
    pub alias: bool,
    /// Alias target: hosted zone id, DNS name, evaluate target health.
    pub alias_zone: String,
    /// Alias target DNS name.
    pub alias_dns_name: String,
    /// Alias `EvaluateTargetHealth`.
    pub alias_evaluate: bool,
}

impl RecordSet {
    /// Reads a listed `<ResourceRecordSet>`.
    pub fn from_element(set: &Element) -> Self {
        let text = |e: &Element, name: &str| e.child_text(name).unwrap_or_default().to_string();
        let mut record = Self {
            name: text(set, "Name"),
            rtype: text(set, "Type"),
            set_identifier: text(set, "SetIdentifier"),
            ttl: text(set, "TTL"),
            weight: text(set, "Weight"),
            region: text(set, "Region"),
            failover: text(set, "Failover"),
            health_check: text(set, "HealthCheckId"),
            policy: "simple".into(),
            ..Self::default()
        };
        if let Some(rrs) = set.child("ResourceRecords") {
            record.values = rrs
                .children_named("ResourceRecord")
                .map(|r| text(r, "Value"))
                .collect();
        }
        if let Some(alias) = set.child("AliasTarget") {
            record.alias = true;
            record.alias_zone = text(alias, "HostedZoneId");
            record.alias_dns_name = text(alias, "DNSName");
            record.alias_evaluate = text(alias, "EvaluateTargetHealth") == "true";
        }
        if let Some(geo) = set.child("GeoLocation") {
            record.policy = "geolocation".into();
            record.continent = text(geo, "ContinentCode");
            record.country = text(geo, "CountryCode");
            record.subdivision = text(geo, "SubdivisionCode");
        }
        if let Some(geo) = set.child("GeoProximityLocation") {
            record.policy = "geoproximity".into();
            record.geo_region = text(geo, "AWSRegion");
            record.geo_local_zone_group = text(geo, "LocalZoneGroup");
            record.geo_bias = text(geo, "Bias");
            if let Some(c) = geo.child("Coordinates") {
                record.geo_latitude = text(c, "Latitude");
                record.geo_longitude = text(c, "Longitude");
            }
        }
        if let Some(cidr) = set.child("CidrRoutingConfig") {
            record.policy = "cidr".into();
            record.cidr_collection = text(cidr, "CollectionId");
            record.cidr_location = text(cidr, "LocationName");
        }
        if !record.weight.is_empty() {
            record.policy = "weighted".into();
        } else if !record.region.is_empty() {
            record.policy = "latency".into();
        } else if !record.failover.is_empty() {
            record.policy = "failover".into();
        } else if set.child_text("MultiValueAnswer") == Some("true") {
            record.policy = "multivalue".into();
        }
        record
    }

    /// Reads the record form.
    pub fn from_form(form: &HashMap<String, String>) -> Self {
        let text = |name: &str| {
            form.get(name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        Self {
            name: text("name"),
            rtype: text("type"),
            set_identifier: text("set_identifier"),
            ttl: text("ttl"),
            values: form
                .get("values")
                .map(|v| {
                    v.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            policy: Some(text("policy"))
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "simple".into()),
            weight: text("weight"),
            region: text("region"),
            failover: text("failover"),
            continent: text("continent"),
            country: text("country"),
            subdivision: text("subdivision"),
            geo_region: text("geo_region"),
            geo_local_zone_group: text("geo_local_zone_group"),
            geo_latitude: text("geo_latitude"),
            geo_longitude: text("geo_longitude"),
            geo_bias: text("geo_bias"),
            cidr_collection: text("cidr_collection"),
            cidr_location: text("cidr_location"),
            health_check: text("health_check"),
            alias: form.contains_key("alias"),
            alias_zone: text("alias_zone"),
            alias_dns_name: text("alias_dns_name"),
            alias_evaluate: form.contains_key("alias_evaluate"),
        }
    }

    /// The `<ResourceRecordSet>` element: only the chosen policy's fields, and either the
    /// alias target or TTL and values.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<ResourceRecordSet>");
        leaf(&mut out, "Name", &self.name);
        leaf(&mut out, "Type", &self.rtype);
        if self.policy != "simple" {
            leaf(&mut out, "SetIdentifier", &self.set_identifier);
        }
        match self.policy.as_str() {
            "weighted" => leaf(&mut out, "Weight", &self.weight),
            "latency" => leaf(&mut out, "Region", &self.region),
            "geolocation" => {
                out.push_str("<GeoLocation>");
                leaf(&mut out, "ContinentCode", &self.continent);
                leaf(&mut out, "CountryCode", &self.country);
                leaf(&mut out, "SubdivisionCode", &self.subdivision);
                out.push_str("</GeoLocation>");
            }
            "failover" => leaf(&mut out, "Failover", &self.failover),
            "multivalue" => leaf(&mut out, "MultiValueAnswer", "true"),
            _ => {}
        }
        if self.alias {
            out.push_str("<AliasTarget>");
            leaf(&mut out, "HostedZoneId", &self.alias_zone);
            leaf(&mut out, "DNSName", &self.alias_dns_name);
            leaf(
                &mut out,
                "EvaluateTargetHealth",
                if self.alias_evaluate { "true" } else { "false" },
            );
            out.push_str("</AliasTarget>");
        } else {
            leaf(&mut out, "TTL", &self.ttl);
            out.push_str("<ResourceRecords>");
            for value in &self.values {
                out.push_str("<ResourceRecord>");
                leaf(&mut out, "Value", value);
                out.push_str("</ResourceRecord>");
            }
            out.push_str("</ResourceRecords>");
        }
        leaf(&mut out, "HealthCheckId", &self.health_check);
        match self.policy.as_str() {
            "cidr" => {
                out.push_str("<CidrRoutingConfig>");
                leaf(&mut out, "CollectionId", &self.cidr_collection);
                leaf(&mut out, "LocationName", &self.cidr_location);
                out.push_str("</CidrRoutingConfig>");
            }
            "geoproximity" => {
                out.push_str("<GeoProximityLocation>");
                leaf(&mut out, "AWSRegion", &self.geo_region);
                leaf(&mut out, "LocalZoneGroup", &self.geo_local_zone_group);
                if !self.geo_latitude.is_empty() || !self.geo_longitude.is_empty() {
                    out.push_str("<Coordinates>");
                    leaf(&mut out, "Latitude", &self.geo_latitude);
                    leaf(&mut out, "Longitude", &self.geo_longitude);
                    out.push_str("</Coordinates>");
                }
                leaf(&mut out, "Bias", &self.geo_bias);
                out.push_str("</GeoProximityLocation>");
            }
            _ => {}
        }
        out.push_str("</ResourceRecordSet>");
        out
    }

    /// How the record routes, in a few words for the list (`weighted 10`).
    pub fn routing_summary(&self) -> String {
        let label = POLICIES
            .iter()
            .find(|(value, _)| *value == self.policy)
            .map_or("Simple", |(_, label)| label);
        let detail = match self.policy.as_str() {
            "weighted" => self.weight.clone(),
            "latency" => self.region.clone(),
            "failover" => self.failover.clone(),
            "geolocation" => [&self.continent, &self.country, &self.subdivision]
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("/"),
            "geoproximity" => self.geo_region.clone(),
            "cidr" => self.cidr_location.clone(),
            _ => String::new(),
        };
        format!("{label} {detail}").trim().to_string()
    }

    /// What the record answers, for the list: its values, or `alias to <name>`.
    pub fn answer_summary(&self) -> String {
        if self.alias {
            format!("alias to {}", self.alias_dns_name)
        } else {
            self.values.join("\n")
        }
    }
}

/// Appends `<name>text</name>` (escaped) unless `text` is empty.
fn leaf(out: &mut String, name: &str, text: &str) {
    if !text.is_empty() {
        let _ = write!(out, "<{name}>{}</{name}>", escape(text));
    }
}

/// A ChangeResourceRecordSets request body with `(action, record)` changes.
pub fn change_batch(changes: &[(&str, &RecordSet)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest \
         xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch><Changes>",
    );
    for (action, record) in changes {
        let _ = write!(
            out,
            "<Change><Action>{action}</Action>{}</Change>",
            record.to_xml()
        );
    }
    out.push_str("</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>");
    out
}

/// The record form's fields, filled from `record`. `editing` makes name, type and set
/// identifier read-only: they identify the record an UPSERT replaces.
pub fn form_fields(record: &RecordSet, editing: bool) -> String {
    let readonly = if editing { " readonly" } else { "" };
    let types: Vec<(String, String)> = TYPES
        .iter()
        .map(|t| (t.to_string(), t.to_string()))
        .collect();
    let policies: Vec<(String, String)> = POLICIES
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect();
    let mut out = String::from("<fieldset><legend>Record</legend>");
    out.push_str(&text_input(
        "name",
        "Record name (relative to the zone, or fully qualified)",
        &record.name,
        readonly,
    ));
    if editing {
        // A disabled select is not submitted: send the type as a hidden field instead.
        let _ = write!(
            out,
            "<div class=\"field\"><label for=\"type\">Record type</label>\
             <input type=\"text\" id=\"type\" name=\"type\" value=\"{}\" readonly></div>",
            escape(&record.rtype)
        );
    } else {
        out.push_str(&select("type", "Record type", &types, &record.rtype));
    }
    out.push_str(&text_input("ttl", "TTL (seconds)", &record.ttl, ""));
    let _ = write!(
        out,
        "<div class=\"field\"><label for=\"values\">Values (one per line)</label>\
         <textarea id=\"values\" name=\"values\" rows=\"4\" cols=\"50\">{}</textarea></div>",
        escape(&record.values.join("\n"))
    );
    out.push_str("</fieldset><fieldset><legend>Routing policy</legend>");
    out.push_str(&select(
        "policy",
        "Routing policy",
        &policies,
        &record.policy,
    ));
    out.push_str(&text_input(
        "set_identifier",
        "Record ID (SetIdentifier; every policy but simple)",
        &record.set_identifier,
        readonly,
    ));
    out.push_str(&text_input(
        "health_check",
        "Health check ID (optional)",
        &record.health_check,
        "",
    ));
    out.push_str("<div class=\"row\">");
    out.push_str(&text_input(
        "weight",
        "Weight (weighted, 0-255)",
        &record.weight,
        "",
    ));
    out.push_str(&text_input(
        "region",
        "Region (latency)",
        &record.region,
        "",
    ));
    out.push_str(&select(
        "failover",
        "Failover record type (failover)",
        &[
            (String::new(), "—".into()),
            ("PRIMARY".into(), "Primary".into()),
            ("SECONDARY".into(), "Secondary".into()),
        ],
        &record.failover,
    ));
    out.push_str("</div><div class=\"row\">");
    out.push_str(&text_input(
        "continent",
        "Continent code (geolocation)",
        &record.continent,
        "",
    ));
    out.push_str(&text_input(
        "country",
        "Country code (geolocation)",
        &record.country,
        "",
    ));
    out.push_str(&text_input(
        "subdivision",
        "Subdivision code (geolocation)",
        &record.subdivision,
        "",
    ));
    out.push_str("</div><div class=\"row\">");
    out.push_str(&text_input(
        "geo_region",
        "AWS Region (geoproximity)",
        &record.geo_region,
        "",
    ));
    out.push_str(&text_input(
        "geo_local_zone_group",
        "Local Zone group (geoproximity)",
        &record.geo_local_zone_group,
        "",
    ));
    out.push_str(&text_input(
        "geo_latitude",
        "Latitude (geoproximity)",
        &record.geo_latitude,
        "",
    ));
    out.push_str(&text_input(
        "geo_longitude",
        "Longitude (geoproximity)",
        &record.geo_longitude,
        "",
    ));
    out.push_str(&text_input(
        "geo_bias",
        "Bias (geoproximity, -99 to 99)",
        &record.geo_bias,
        "",
    ));
    out.push_str("</div><div class=\"row\">");
    out.push_str(&text_input(
        "cidr_collection",
        "CIDR collection ID (IP-based)",
        &record.cidr_collection,
        "",
    ));
    out.push_str(&text_input(
        "cidr_location",
        "CIDR location name (IP-based)",
        &record.cidr_location,
        "",
    ));
    out.push_str("</div></fieldset><fieldset><legend>Alias</legend>");
    out.push_str(&checkbox(
        "alias",
        "Alias record (answers with the target's records; TTL and values are ignored)",
        record.alias,
    ));
    out.push_str(&text_input(
        "alias_zone",
        "Alias target hosted zone ID",
        &record.alias_zone,
        "",
    ));
    out.push_str(&text_input(
        "alias_dns_name",
        "Alias target DNS name",
        &record.alias_dns_name,
        "",
    ));
    out.push_str(&checkbox(
        "alias_evaluate",
        "Evaluate target health",
        record.alias_evaluate,
    ));
    out.push_str("</fieldset>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn weighted_form_becomes_a_weighted_record_set() {
        let record = RecordSet::from_form(&form(&[
            ("name", "w.example.com"),
            ("type", "A"),
            ("ttl", "60"),
            ("values", "192.0.2.1\r\n\r\n192.0.2.2\n"),
            ("policy", "weighted"),
            ("set_identifier", "blue"),
            ("weight", "10"),
            ("region", "ignored-for-weighted"),
        ]));
        assert_eq!(
            record.to_xml(),
            "<ResourceRecordSet><Name>w.example.com</Name><Type>A</Type>\
             <SetIdentifier>blue</SetIdentifier><Weight>10</Weight><TTL>60</TTL>\
             <ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord>\
             <ResourceRecord><Value>192.0.2.2</Value></ResourceRecord></ResourceRecords>\
             </ResourceRecordSet>"
        );
    }

    #[test]
    fn alias_form_has_no_ttl_or_values_and_text_is_escaped() {
        let record = RecordSet::from_form(&form(&[
            ("name", "a<b>.example.com"),
            ("type", "A"),
            ("ttl", "60"),
            ("values", "192.0.2.1"),
            ("alias", "true"),
            ("alias_zone", "Z1"),
            ("alias_dns_name", "target.example.com"),
        ]));
        let xml = record.to_xml();
        assert!(xml.contains("<Name>a&lt;b&gt;.example.com</Name>"));
        assert!(xml.contains("<AliasTarget><HostedZoneId>Z1</HostedZoneId><DNSName>target.example.com</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>"));
        assert!(!xml.contains("<TTL>"));
    }

    #[test]
    fn listed_record_sets_round_trip_through_the_form_model() {
        for xml in [
            "<ResourceRecordSet><Name>g.example.com.</Name><Type>A</Type><SetIdentifier>eu</SetIdentifier><GeoLocation><ContinentCode>EU</ContinentCode></GeoLocation><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>",
            "<ResourceRecordSet><Name>f.example.com.</Name><Type>A</Type><SetIdentifier>p</SetIdentifier><Failover>PRIMARY</Failover><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords><HealthCheckId>abc</HealthCheckId></ResourceRecordSet>",
            "<ResourceRecordSet><Name>m.example.com.</Name><Type>A</Type><SetIdentifier>m1</SetIdentifier><MultiValueAnswer>true</MultiValueAnswer><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>",
            "<ResourceRecordSet><Name>c.example.com.</Name><Type>A</Type><SetIdentifier>c1</SetIdentifier><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords><CidrRoutingConfig><CollectionId>col</CollectionId><LocationName>office</LocationName></CidrRoutingConfig></ResourceRecordSet>",
            "<ResourceRecordSet><Name>p.example.com.</Name><Type>A</Type><SetIdentifier>p1</SetIdentifier><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords><GeoProximityLocation><Coordinates><Latitude>49.22</Latitude><Longitude>-74.01</Longitude></Coordinates><Bias>10</Bias></GeoProximityLocation></ResourceRecordSet>",
            "<ResourceRecordSet><Name>l.example.com.</Name><Type>A</Type><SetIdentifier>l1</SetIdentifier><Region>eu-west-1</Region><AliasTarget><HostedZoneId>Z1</HostedZoneId><DNSName>t.example.com.</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>",
        ] {
            let element = cairn_api::protocol::rest_xml::parse(xml.as_bytes()).expect("xml");
            let record = RecordSet::from_element(&element);
            assert_eq!(record.to_xml(), xml, "policy {}", record.policy);
        }
    }

    #[test]
    fn change_batch_wraps_every_change() {
        let record = RecordSet {
            name: "x.example.com.".into(),
            rtype: "TXT".into(),
            ttl: "300".into(),
            values: vec!["\"hi\"".into()],
            policy: "simple".into(),
            ..RecordSet::default()
        };
        let body = change_batch(&[("DELETE", &record)]);
        assert!(body.contains("<Change><Action>DELETE</Action><ResourceRecordSet><Name>x.example.com.</Name><Type>TXT</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>&quot;hi&quot;</Value>"));
        let parsed = cairn_api::protocol::rest_xml::parse(body.as_bytes()).expect("well-formed");
        assert_eq!(parsed.name, "ChangeResourceRecordSetsRequest");
    }

    #[test]
    fn every_form_input_has_a_label() {
        let html = form_fields(&RecordSet::default(), false);
        let ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or_default())
            .collect();
        assert!(ids.len() >= 20, "{ids:?}");
        for id in ids {
            assert!(
                html.contains(&format!("<label for=\"{id}\">")),
                "no label for {id}"
            );
        }
    }
}
