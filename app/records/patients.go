package records

import (
	"context"

	"myorehab/app/auth"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// PatientFiles implements service.PatientFileService on the database.
type PatientFiles struct{ DB *sqlite.DB }

// OpenPatient returns the patient and audits the view of their file.
func (p PatientFiles) OpenPatient(ctx context.Context, id int64) (*storage.Patient, error) {
	pt, err := p.DB.PatientByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := audit(ctx, p.DB, storage.AuditViewed, storage.ObjectPatient, id, ""); err != nil {
		return nil, err
	}
	return pt, nil
}

func (p PatientFiles) UpdatePatient(ctx context.Context, pt *storage.Patient) error {
	return p.DB.UpdatePatient(ctx, pt)
}

func (p PatientFiles) DeletePatient(ctx context.Context, id int64) error {
	return p.DB.DeletePatient(ctx, id)
}

func (p PatientFiles) DeletedPatients(ctx context.Context) ([]storage.Patient, error) {
	if err := auth.RequireAdmin(ctx, p.DB); err != nil {
		return nil, err
	}
	ps, err := p.DB.ListDeletedPatients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]storage.Patient, len(ps))
	for i, x := range ps {
		out[i] = *x
	}
	return out, nil
}

func (p PatientFiles) UndeletePatient(ctx context.Context, id int64) error {
	if err := auth.RequireAdmin(ctx, p.DB); err != nil {
		return err
	}
	return p.DB.UndeletePatient(ctx, id)
}

// PurgePatient removes a deleted patient with every recording
// (administrators only).
func (p PatientFiles) PurgePatient(ctx context.Context, id int64) error {
	if err := auth.RequireAdmin(ctx, p.DB); err != nil {
		return err
	}
	return p.DB.PurgePatient(ctx, id)
}
