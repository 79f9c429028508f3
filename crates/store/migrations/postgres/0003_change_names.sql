-- The names a change touched (JSON array of Route 53 names), so the data plane rebuilds only
-- those nodes of the zone. NULL means the whole zone (created, deleted, replaced).
ALTER TABLE changes ADD COLUMN names TEXT COLLATE "C";
