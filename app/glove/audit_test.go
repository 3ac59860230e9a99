package glove

import (
	"context"
	"fmt"
	"testing"

	aglove "myorehab/acquisition/glove"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// TestArmAndEStopAudited: each ARM and E-STOP is in the audit log once,
// with the therapist who acted (the context's actor for ARM; the
// database's default actor, the therapist logged in, for E-STOP, which
// takes no context) and the patient.
func TestArmAndEStopAudited(t *testing.T) {
	r := newRig(t)
	r.db.DefaultActor = func() storage.Actor { return storage.Actor{TherapistID: 7, Name: "ann"} }
	ctx := storage.WithActor(context.Background(), storage.Actor{TherapistID: 7, Name: "ann"})
	if err := r.g.SetMode(service.ModePassive, 100); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "armed", func() bool { return r.em.Snapshot().State == aglove.Armed })
	r.g.EStop()
	list := func(a storage.AuditAction) []*storage.AuditEntry {
		es, err := r.db.ListAudit(context.Background(), storage.AuditFilter{Action: a})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	waitfor.Eventually(t, 0, "the E-STOP audited", func() bool { return len(list(storage.AuditEStop)) > 0 })
	want := fmt.Sprintf("patient %d", r.pt.ID)
	for _, a := range []storage.AuditAction{storage.AuditArmed, storage.AuditEStop} {
		es := list(a)
		if len(es) != 1 || es[0].Actor != "ann" || es[0].TherapistID != 7 || es[0].ObjectType != storage.ObjectGlove ||
			es[0].ObjectID != r.pt.ID || es[0].Detail[:len(want)] != want {
			t.Errorf("%s audited as %+v", a, es)
		}
	}
}

// TestEStopActorWithoutSession: without a logged-in therapist (the command
// line), the E-STOP is recorded under whoever armed.
func TestEStopActorWithoutSession(t *testing.T) {
	r := newRig(t)
	ctx := storage.WithActor(context.Background(), storage.Actor{Name: "os:clinic"})
	if err := r.g.SetMode(service.ModePassive, 100); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Arm(ctx, r.pt.ID); err != nil {
		t.Fatal(err)
	}
	r.g.EStop()
	var es []*storage.AuditEntry
	waitfor.Eventually(t, 0, "the E-STOP audited", func() bool {
		es, _ = r.db.ListAudit(context.Background(), storage.AuditFilter{Action: storage.AuditEStop})
		return len(es) > 0
	})
	if len(es) != 1 || es[0].Actor != "os:clinic" {
		t.Errorf("E-STOP audited as %+v", es)
	}
}
