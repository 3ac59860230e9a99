package sqlite

import "database/sql"

// collect scans every row of rows with scan, closes rows and returns the
// values; the first scan or iteration error stops it. Callers wrap the
// error with what they were listing.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
