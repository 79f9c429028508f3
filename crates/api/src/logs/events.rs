//! Reading a group's events: DescribeLogStreams, GetLogEvents and FilterLogEvents, over
//! the group's files ([`super::files`]) as they are when the request comes. Every call
//! reads the files whole (there is no index): fine for a day's query logs of a few
//! VPCs, and the price of keeping the files the one copy.

use std::collections::BTreeMap;

use cairn_model::log_group::LogGroup;
use serde_json::{json, Value};

use super::files::{self, Event};
use super::filter::Pattern;
use super::{invalid_parameter, limit, named_group, not_found, now_ms, offset_token, Ctx};
use crate::error::AwsError;
use crate::protocol::json::JsonInput;

const MS_PER_DAY: i64 = 86_400_000;

/// The group's events within its retention, oldest first (stable for equal times).
fn retained_events(ctx: &Ctx, group: &LogGroup) -> Vec<Event> {
    let since = group
        .retention_days
        .map_or(i64::MIN, |days| now_ms() - days * MS_PER_DAY);
    let mut events = files::read_events(ctx.state.config.data_dir.as_deref(), &group.name, since);
    events.sort_by_key(|e| e.timestamp_ms);
    events
}

/// `startTime` (inclusive) and `endTime` (exclusive), ms since the epoch.
fn time_range(input: &JsonInput) -> Result<(i64, i64), AwsError> {
    let start = input.int("startTime")?;
    let end = input.int("endTime")?;
    if start.is_some_and(|t| t < 0) || end.is_some_and(|t| t < 0) {
        return Err(invalid_parameter(
            "startTime and endTime must not be negative.",
        ));
    }
    Ok((start.unwrap_or(i64::MIN), end.unwrap_or(i64::MAX)))
}

fn stream_arn(group: &LogGroup, stream: &str) -> String {
    format!("{}:log-stream:{stream}", group.arn())
}

//------------ DescribeLogStreams --------------------------------------------------------

/// DescribeLogStreams: one stream per VPC (Resolver records) or per zone and edge (public
/// query logs), ordered by name or by last event time, paged by `limit` (1–50).
pub async fn describe_streams(ctx: &Ctx) -> Result<Value, AwsError> {
    let group = named_group(ctx).await?;
    let input = &ctx.input;
    let prefix = input.str("logStreamNamePrefix")?;
    let by_time = match input.str("orderBy")?.as_deref() {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") => true,
        Some(other) => {
            return Err(super::constraint(
                other,
                "orderBy",
                "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
            ))
        }
    };
    if by_time && prefix.is_some() {
        return Err(invalid_parameter(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let max = limit(input, 50, 50)?;
    // name → (first, last) event time.
    let mut streams: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for event in retained_events(ctx, &group) {
        let t = event.timestamp_ms;
        let entry = streams.entry(event.stream).or_insert((t, t));
        entry.0 = entry.0.min(t);
        entry.1 = entry.1.max(t);
    }
    let mut list: Vec<(String, (i64, i64))> = streams
        .into_iter()
        .filter(|(name, _)| prefix.as_deref().is_none_or(|p| name.starts_with(p)))
        .collect();
    if by_time {
        list.sort_by_key(|(_, (_, last))| *last);
    }
    if input.bool("descending")? == Some(true) {
        list.reverse();
    }
    let start = offset_token(input, list.len())?;
    let end = (start + max).min(list.len());
    let page: Vec<Value> = list[start..end]
        .iter()
        .map(|(name, (first, last))| {
            json!({
                "logStreamName": name,
                "creationTime": first,
                "firstEventTimestamp": first,
                "lastEventTimestamp": last,
                "lastIngestionTime": last,
                "arn": stream_arn(&group, name),
                "storedBytes": 0,
            })
        })
        .collect();
    let mut out = json!({ "logStreams": page });
    if end < list.len() {
        out["nextToken"] = Value::from(end.to_string());
    }
    Ok(out)
}

//------------ GetLogEvents --------------------------------------------------------------

/// Where a GetLogEvents page starts: forward from an index, or backward from one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    Forward(usize),
    Backward(usize),
}

fn cursor(input: &JsonInput, len: usize) -> Result<Cursor, AwsError> {
    let Some(token) = input.str("nextToken")? else {
        return Ok(if input.bool("startFromHead")? == Some(true) {
            Cursor::Forward(0)
        } else {
            Cursor::Backward(len)
        });
    };
    let invalid = || invalid_parameter("The specified nextToken is invalid.");
    let (kind, at) = token.split_once('/').ok_or_else(invalid)?;
    let at: usize = at.parse().map_err(|_| invalid())?;
    // A token from a longer read (events since expired) clamps to the end.
    let at = at.min(len);
    match kind {
        "f" => Ok(Cursor::Forward(at)),
        "b" => Ok(Cursor::Backward(at)),
        _ => Err(invalid()),
    }
}

/// GetLogEvents: one stream's events in time order. Without a token, the newest `limit`
/// (or the oldest, with `startFromHead`); `nextForwardToken` continues after the page and
/// comes back unchanged when there is nothing newer, `nextBackwardToken` before it.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let group = named_group(ctx).await?;
    let input = &ctx.input;
    let stream = input.required_str("logStreamName")?;
    let (start, end) = time_range(input)?;
    let max = limit(input, 10_000, 10_000)?;
    let all: Vec<Event> = retained_events(ctx, &group)
        .into_iter()
        .filter(|e| e.stream == stream)
        .collect();
    if all.is_empty() {
        return Err(not_found("The specified log stream does not exist."));
    }
    let events: Vec<&Event> = all
        .iter()
        .filter(|e| (start..end).contains(&e.timestamp_ms))
        .collect();
    let (from, to) = match cursor(input, events.len())? {
        Cursor::Forward(at) => (at, (at + max).min(events.len())),
        Cursor::Backward(at) => (at.saturating_sub(max), at),
    };
    let page: Vec<Value> = events[from..to]
        .iter()
        .map(|e| {
            json!({
                "timestamp": e.timestamp_ms,
                "message": e.message,
                "ingestionTime": e.timestamp_ms,
            })
        })
        .collect();
    Ok(json!({
        "events": page,
        "nextForwardToken": format!("f/{to}"),
        "nextBackwardToken": format!("b/{from}"),
    }))
}

//------------ FilterLogEvents -----------------------------------------------------------

/// FilterLogEvents: the group's events in the named streams (`logStreamNames` or
/// `logStreamNamePrefix`, not both), in the time range, matching `filterPattern`
/// ([`super::filter`]), interleaved in time order and paged by `limit` and `nextToken`.
pub async fn filter(ctx: &Ctx) -> Result<Value, AwsError> {
    let group = named_group(ctx).await?;
    let input = &ctx.input;
    let names = input.strings("logStreamNames")?;
    let prefix = input.str("logStreamNamePrefix")?;
    if names.is_some() && prefix.is_some() {
        return Err(invalid_parameter(
            "Only one of logStreamNames or logStreamNamePrefix may be specified.",
        ));
    }
    let (start, end) = time_range(input)?;
    let max = limit(input, 10_000, 10_000)?;
    let pattern_text = input.str("filterPattern")?.unwrap_or_default();
    if pattern_text.len() > 1024 {
        return Err(super::constraint(
            &pattern_text,
            "filterPattern",
            "Member must have length less than or equal to 1024",
        ));
    }
    let pattern = Pattern::parse(&pattern_text).map_err(invalid_parameter)?;
    let wanted = |stream: &str| {
        names.as_ref().is_none_or(|n| n.iter().any(|s| s == stream))
            && prefix.as_deref().is_none_or(|p| stream.starts_with(p))
    };
    let mut searched: Vec<String> = Vec::new();
    let mut matching: Vec<Event> = Vec::new();
    for event in retained_events(ctx, &group) {
        if !wanted(&event.stream) {
            continue;
        }
        if !searched.contains(&event.stream) {
            searched.push(event.stream.clone());
        }
        if (start..end).contains(&event.timestamp_ms) && pattern.matches(&event.message) {
            matching.push(event);
        }
    }
    let from = offset_token(input, matching.len())?;
    let to = (from + max).min(matching.len());
    let page: Vec<Value> = matching[from..to]
        .iter()
        .map(|e| {
            json!({
                "logStreamName": e.stream,
                "timestamp": e.timestamp_ms,
                "message": e.message,
                "ingestionTime": e.timestamp_ms,
                "eventId": e.id,
            })
        })
        .collect();
    searched.sort();
    let searched: Vec<Value> = searched
        .iter()
        .map(|s| json!({ "logStreamName": s, "searchedCompletely": true }))
        .collect();
    let mut out = json!({ "events": page, "searchedLogStreams": searched });
    if to < matching.len() {
        out["nextToken"] = Value::from(to.to_string());
    }
    Ok(out)
}
