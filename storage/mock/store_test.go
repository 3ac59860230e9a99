package mock

import (
	"context"
	"testing"

	"myorehab/storage"
)

func TestStore(t *testing.T) {
	var got string
	s := &Store{PatientByCodeFn: func(_ context.Context, code string) (*storage.Patient, error) {
		got = code
		return &storage.Patient{ID: 7, Code: code}, nil
	}}
	p, err := s.PatientByCode(context.Background(), "P1")
	if err != nil || p.ID != 7 || got != "P1" {
		t.Fatalf("PatientByCode = %+v, %v (called with %q)", p, err, got)
	}
	defer func() {
		if r := recover(); r != "mock: Store.Close not set" {
			t.Fatalf("unset method: recovered %v", r)
		}
	}()
	s.Close()
}
