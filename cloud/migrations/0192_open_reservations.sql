-- A line is kept for every reference stock was issued, used or shipped against, reserved or
-- not (the merge needs it: its reservation may arrive later from another agent), so a busy
-- site has many lines that promise nothing. The index of open lines leaves out those and the
-- lines consumed in full, so ATP reads only what still promises something.
DROP INDEX reservations_open;
CREATE INDEX reservations_open ON reservations (site, item)
    WHERE ended_at IS NULL AND reserved > consumed;
