package ui

import (
	"fmt"
	"strings"
	"time"

	"myorehab/storage"
)

// Limits of the patient form.
const (
	maxCodeLen = 32
	minCodeLen = 2
	dateLayout = "2006-01-02"
)

// patientProblem checks the patient form before it is stored and returns
// a sentence naming the field to fix, or "" when the form is valid. The clinic code is required: 2–32
// letters, digits, '-', '_' or '.', not already used by a patient in known
// (case-insensitive). The birth date is optional; when given it must be a
// real YYYY-MM-DD date between 1900-01-01 and today. Sex is "", "F", "M" or
// "X"; AffectedSide "", "left", "right" or "both".
func patientProblem(p storage.Patient, known []storage.Patient, today time.Time) string {
	switch {
	case p.Code == "":
		return "Clinic code is required."
	case len(p.Code) < minCodeLen || len(p.Code) > maxCodeLen || strings.IndexFunc(p.Code, badCodeRune) >= 0:
		return fmt.Sprintf("Clinic code %q is not valid: use %d to %d letters, digits, '-', '_' or '.', without spaces.", p.Code, minCodeLen, maxCodeLen)
	}
	for _, k := range known {
		if strings.EqualFold(k.Code, p.Code) {
			return fmt.Sprintf("Clinic code %s is already used by another patient.", k.Code)
		}
	}
	if p.BirthDate != "" {
		d, err := time.Parse(dateLayout, p.BirthDate)
		if err != nil {
			if msg := impossibleDate(p.BirthDate); msg != "" {
				return "Birth date " + msg
			}
			return fmt.Sprintf("Birth date %q is not a date: write it as YYYY-MM-DD, e.g. 1961-04-23.", p.BirthDate)
		}
		y, m, dd := today.Date()
		if d.After(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)) {
			return fmt.Sprintf("Birth date %s is in the future.", p.BirthDate)
		}
		if d.Year() < 1900 {
			return fmt.Sprintf("Birth date %s is before 1900: please check it.", p.BirthDate)
		}
	}
	switch p.Sex {
	case "", "F", "M", "X":
	default:
		return fmt.Sprintf("Sex %q is not one of F, M, X.", p.Sex)
	}
	switch p.AffectedSide {
	case "", "left", "right", "both":
	default:
		return fmt.Sprintf("Affected side %q is not one of left, right, both.", p.AffectedSide)
	}
	return ""
}

// impossibleDate explains why s, written as YYYY-MM-DD, is not a day of
// the calendar ("2020-02-31 does not exist: February 2020 has 29 days."),
// or returns "" when s is not written that way (or is a real date).
func impossibleDate(s string) string {
	var y, m, d int
	if len(s) != len(dateLayout) || s[4] != '-' || s[7] != '-' {
		return ""
	}
	if _, err := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d); err != nil {
		return ""
	}
	if m < 1 || m > 12 {
		return fmt.Sprintf("%s does not exist: the month must be 01 to 12.", s)
	}
	days := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d < 1 || d > days {
		return fmt.Sprintf("%s does not exist: %s %d has %d days.", s, time.Month(m), y, days)
	}
	return ""
}

func badCodeRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}
