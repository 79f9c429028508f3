//! One small, rusqlite-shaped SQL API over both backends.
//!
//! The store's logic ([`super`]) is written once against [`Conn`]: `execute`, `query_row`,
//! `prepare(..).query_map(..)`, `params![..]`, `.optional()`, `row.get::<_, T>(i)`, the
//! subset of rusqlite it used when it was SQLite-only. A `Conn` is a SQLite connection (or
//! transaction) or a PostgreSQL transaction. SQL is written once with SQLite's `?N` (or bare
//! `?`) placeholders and portable syntax (`ON CONFLICT … DO UPDATE`, `TRUE`); for PostgreSQL
//! the placeholders become `$N`. The few statements that differ by dialect branch on
//! [`Conn::dialect`].
//!
//! Rows are read into owned values, column by column, so the same `FromValue` conversions
//! serve both drivers (a PostgreSQL `BOOLEAN` and a SQLite `0`/`1` both read as `bool`).

use std::cell::RefCell;
use std::collections::HashMap;

use super::error::{map_err, DbError};
use crate::error::StoreResult;

//------------ Dialect ---------------------------------------------------------------

/// Which SQL dialect a [`Conn`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL (12 or later).
    Postgres,
}

//------------ Value -----------------------------------------------------------------

/// A parameter value, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// SQL NULL.
    Null,
    /// An integer (`INTEGER` / `BIGINT`).
    Int(i64),
    /// A boolean (`INTEGER` 0/1 in SQLite, `BOOLEAN` in PostgreSQL).
    Bool(bool),
    /// Text.
    Text(&'a str),
}

/// What may be bound as a parameter.
pub(crate) trait ToValue {
    /// This value as a parameter.
    fn to_value(&self) -> Value<'_>;
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

// Typed ids bind as their bare text, what the `TEXT` columns always held.
macro_rules! text_ids {
    ($($id:ty),+) => {$(
        impl ToValue for $id {
            fn to_value(&self) -> Value<'_> {
                Value::Text(self.as_str())
            }
        }
    )+};
}

text_ids!(
    cairn_model::ProfileAssociationId,
    cairn_model::ProfileId,
    cairn_model::ProfileResourceAssociationId,
    cairn_model::ResolverEndpointId,
    cairn_model::ResolverRuleAssociationId,
    cairn_model::ResolverRuleId
);

impl ToValue for i64 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// A statement's parameters: `params![..]`, or an array of one kind of value.
pub(crate) trait Params {
    /// The values, in placeholder order.
    fn values(&self) -> Vec<Value<'_>>;
}

impl Params for &[Value<'_>] {
    fn values(&self) -> Vec<Value<'_>> {
        self.to_vec()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// `params![a, b, …]`: a parameter list of mixed types, as rusqlite's macro.
macro_rules! params {
    () => {
        &[] as &[$crate::sql::conn::Value<'_>]
    };
    ($($x:expr),+ $(,)?) => {
        &[$($crate::sql::conn::ToValue::to_value(&$x)),+] as &[$crate::sql::conn::Value<'_>]
    };
}
pub(crate) use params;

//------------ Row -------------------------------------------------------------------

/// A column value read back.
#[derive(Debug, Clone, Default)]
pub(crate) enum Owned {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A boolean (PostgreSQL).
    Bool(bool),
    /// Text.
    Text(String),
    /// Text already moved out by an earlier `get` of the same column (reading it twice is a
    /// bug, reported as [`DbError::Type`]).
    #[default]
    Taken,
}

/// One result row, read whole. Text is moved out when read, not copied.
#[derive(Debug)]
pub(crate) struct Row {
    values: RefCell<Vec<Owned>>,
}

/// A column position (rusqlite's `RowIndex`, by position only).
pub(crate) trait RowIndex {
    /// The position.
    fn index(&self) -> usize;
}

impl RowIndex for usize {
    fn index(&self) -> usize {
        *self
    }
}

impl Row {
    /// Column `idx` as a `T`.
    pub(crate) fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T, DbError> {
        let idx = idx.index();
        let mut values = self.values.borrow_mut();
        let value = values
            .get_mut(idx)
            .ok_or_else(|| DbError::Type(format!("no column {idx}")))?;
        T::from_value(value).ok_or_else(|| DbError::Type(format!("column {idx} holds {value:?}")))
    }
}

/// What a column may be read as.
pub(crate) trait FromValue: Sized {
    /// The value as `Self`, when it is one (text is moved out, leaving [`Owned::Taken`]).
    fn from_value(value: &mut Owned) -> Option<Self>;
}

impl FromValue for String {
    fn from_value(value: &mut Owned) -> Option<Self> {
        match std::mem::take(value) {
            Owned::Text(s) => Some(s),
            other => {
                *value = other;
                None
            }
        }
    }
}

impl FromValue for i64 {
    fn from_value(value: &mut Owned) -> Option<Self> {
        match value {
            Owned::Int(i) => Some(*i),
            Owned::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &mut Owned) -> Option<Self> {
        match value {
            Owned::Int(i) => Some(*i != 0),
            Owned::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &mut Owned) -> Option<Self> {
        match value {
            Owned::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

//------------ Mode ------------------------------------------------------------------

/// How a backend runs a closure on a [`Conn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Reads, or a write that logs no change (heartbeats); no ordering with writers.
    Plain,
    /// Several reads that must see one commit.
    Snapshot,
    /// A write: one transaction, taking its turn with every other writer.
    Write,
}

//------------ Conn ------------------------------------------------------------------

/// A connection the store logic runs statements on: a SQLite connection (or transaction;
/// it derefs to one) or a PostgreSQL transaction.
pub(crate) struct Conn<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(RefCell<PgTx<'a>>),
}

/// A PostgreSQL transaction and its client's prepared statements.
pub(crate) struct PgTx<'a> {
    pub(crate) tx: postgres::Transaction<'a>,
    pub(crate) statements: &'a mut HashMap<String, postgres::Statement>,
}

impl<'a> Conn<'a> {
    /// Statements on a SQLite connection.
    pub(crate) fn sqlite(conn: &'a rusqlite::Connection) -> Self {
        Self {
            inner: Inner::Sqlite(conn),
        }
    }

    /// Statements in a PostgreSQL transaction.
    pub(crate) fn postgres(tx: PgTx<'a>) -> Self {
        Self {
            inner: Inner::Postgres(RefCell::new(tx)),
        }
    }

    /// The PostgreSQL transaction back, to commit it.
    pub(crate) fn into_postgres(self) -> Option<PgTx<'a>> {
        match self.inner {
            Inner::Postgres(tx) => Some(tx.into_inner()),
            Inner::Sqlite(_) => None,
        }
    }

    /// The dialect, for the few statements that differ.
    pub(crate) fn dialect(&self) -> Dialect {
        match self.inner {
            Inner::Sqlite(_) => Dialect::Sqlite,
            Inner::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub(crate) fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize, DbError> {
        let values = params.values();
        match &self.inner {
            Inner::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(values.iter()))?)
            }
            Inner::Postgres(tx) => {
                let mut tx = tx.borrow_mut();
                let stmt = tx.statement(sql)?;
                let refs = pg_params(&values);
                Ok(tx.tx.execute(&stmt, &refs)? as usize)
            }
        }
    }

    /// Runs a statement whose row count does not matter, as the store reports errors.
    pub(crate) fn exec<P: Params>(&self, sql: &str, params: P) -> StoreResult<()> {
        self.execute(sql, params).map_err(map_err)?;
        Ok(())
    }

    /// Every row a query returns.
    pub(crate) fn query<P: Params>(&self, sql: &str, params: P) -> Result<Vec<Row>, DbError> {
        let values = params.values();
        match &self.inner {
            Inner::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let columns = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(sqlite_row(row, columns)?);
                }
                Ok(out)
            }
            Inner::Postgres(tx) => {
                let mut tx = tx.borrow_mut();
                let stmt = tx.statement(sql)?;
                let refs = pg_params(&values);
                tx.tx.query(&stmt, &refs)?.iter().map(pg_row).collect()
            }
        }
    }

    /// The first row, mapped by `f`; [`DbError::NoRows`] when there is none.
    pub(crate) fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T, DbError>
    where
        P: Params,
        F: FnOnce(&Row) -> Result<T, DbError>,
    {
        let rows = self.query(sql, params)?;
        rows.first().map_or(Err(DbError::NoRows), f)
    }

    /// A statement to run with [`Statement::query_map`].
    pub(crate) fn prepare<'c>(&'c self, sql: &str) -> Result<Statement<'c, 'a>, DbError> {
        Ok(Statement {
            conn: self,
            sql: sql.to_string(),
        })
    }

    /// [`Conn::prepare`] (both backends cache prepared statements per connection).
    pub(crate) fn prepare_cached<'c>(&'c self, sql: &str) -> Result<Statement<'c, 'a>, DbError> {
        self.prepare(sql)
    }
}

impl PgTx<'_> {
    /// The prepared statement for `sql` (placeholders rewritten), prepared once per client.
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.tx.prepare(&to_postgres_placeholders(sql))?;
        if self.statements.len() < 512 {
            self.statements.insert(sql.to_string(), stmt.clone());
        }
        Ok(stmt)
    }
}

/// A statement and the connection it runs on.
pub(crate) struct Statement<'c, 'a> {
    conn: &'c Conn<'a>,
    sql: String,
}

impl Statement<'_, '_> {
    /// Every row, mapped by `f` (read whole, then mapped).
    pub(crate) fn query_map<T, P, F>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T, DbError>>, DbError>
    where
        P: Params,
        F: FnMut(&Row) -> Result<T, DbError>,
    {
        let rows = self.conn.query(&self.sql, params)?;
        Ok(rows.iter().map(&mut f).collect::<Vec<_>>().into_iter())
    }
}

//------------ SQLite glue -----------------------------------------------------------

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match *self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(i)),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(b))),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn sqlite_row(row: &rusqlite::Row<'_>, columns: usize) -> Result<Row, DbError> {
    use rusqlite::types::ValueRef;
    let mut values = Vec::with_capacity(columns);
    for i in 0..columns {
        values.push(match row.get_ref(i)? {
            ValueRef::Null => Owned::Null,
            ValueRef::Integer(n) => Owned::Int(n),
            ValueRef::Text(t) => Owned::Text(
                String::from_utf8(t.to_vec())
                    .map_err(|e| DbError::Type(format!("column {i}: {e}")))?,
            ),
            other => {
                return Err(DbError::Type(format!(
                    "column {i}: unexpected {:?}",
                    other.data_type()
                )))
            }
        });
    }
    Ok(Row {
        values: RefCell::new(values),
    })
}

//------------ PostgreSQL glue -------------------------------------------------------

impl postgres::types::ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match *self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Bool(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                Type::INT2 => i16::from(b).to_sql(ty, out),
                Type::INT4 => i32::from(b).to_sql(ty, out),
                _ => i64::from(b).to_sql(ty, out),
            },
            Value::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn pg_params<'v>(values: &'v [Value<'_>]) -> Vec<&'v (dyn postgres::types::ToSql + Sync)> {
    values
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn pg_row(row: &postgres::Row) -> Result<Row, DbError> {
    use postgres::types::Type;
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = match *ty {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Owned::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map(|n| Owned::Int(n.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)?
                .map(|n| Owned::Int(n.into())),
            Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(Owned::Bool),
            Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
                row.try_get::<_, Option<String>>(i)?.map(Owned::Text)
            }
            _ => {
                return Err(DbError::Type(format!(
                    "column {}: unexpected type {ty}",
                    column.name()
                )))
            }
        };
        values.push(value.unwrap_or(Owned::Null));
    }
    Ok(Row {
        values: RefCell::new(values),
    })
}

/// SQLite's `?N` and bare `?` placeholders as PostgreSQL's `$N` (outside string literals).
pub(crate) fn to_postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut in_string = false;
    let mut next = 1;
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_string = !in_string;
            out.push(c);
        } else if c == '?' && !in_string {
            out.push('$');
            if chars.peek().is_some_and(char::is_ascii_digit) {
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    out.push(d);
                    chars.next();
                }
            } else {
                out.push_str(&next.to_string());
                next += 1;
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_postgres_placeholders;

    #[test]
    fn placeholders_become_dollar_numbers() {
        assert_eq!(
            to_postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?2) AND d = '?'"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $2) AND d = '?'"
        );
        assert_eq!(
            to_postgres_placeholders("x = ? AND y IN (?, ?)"),
            "x = $1 AND y IN ($2, $3)"
        );
    }
}
