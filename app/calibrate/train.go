package calibrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"myorehab/acquisition"
	"myorehab/app/device"
	"myorehab/app/service"
	"myorehab/processing/classify"
	"myorehab/processing/filter"
	"myorehab/processing/quant"
	"myorehab/processing/recognition"
	"myorehab/storage"
)

// trainedModel is the outcome of Calibration.Train.
type trainedModel struct {
	pipe     *recognition.Pipeline
	control  *recognition.Pipeline // the glove's front end, nil when none
	result   *service.CalibrationResult
	labels   []string // channel labels
	mvcUV    []float64
	baseUV   []float64
	sessions []int64
}

// calData is a calibration session loaded for training.
type calData struct {
	session *storage.Session
	// channels are the samples in µV; lost samples are zero and listed
	// in gaps as [start, end).
	channels [][]float64
	gaps     [][2]int
	anns     []*storage.Annotation
	// more: the session's repetitions add to the earlier sessions'
	// (Calibration.AddRepetitions).
	more bool
}

// loadCalibration reads the samples and annotations of session id.
func loadCalibration(ctx context.Context, c *Calibration, id int64) (*calData, error) {
	db := c.db
	s, err := db.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &calData{session: s, channels: make([][]float64, s.Channels)}
	err = db.ReadSamples(ctx, id, func(start uint64, chans [][]int32) error {
		if len(chans) != s.Channels {
			return fmt.Errorf("session %d: a chunk has %d channels, the session %d", id, len(chans), s.Channels)
		}
		if n := len(d.channels[0]); uint64(n) < start {
			d.gaps = append(d.gaps, [2]int{n, int(start)})
		}
		for ch, x := range chans {
			for uint64(len(d.channels[ch])) < start {
				d.channels[ch] = append(d.channels[ch], 0)
			}
			scale := 1.0
			if ch < len(s.ScaleUV) {
				scale = s.ScaleUV[ch]
			}
			for _, v := range x {
				d.channels[ch] = append(d.channels[ch], float64(v)*scale)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d.anns, err = db.ListAnnotations(ctx, id); err != nil {
		return nil, err
	}
	return d, nil
}

// spans returns the [start, end) sample spans of the annotations of kind
// (and text, when not empty) that lie inside the recording and clear of
// its gaps.
func (d *calData) spans(kind, text string) [][2]int {
	var out [][2]int
	n := len(d.channels[0])
	for _, a := range d.anns {
		if a.Kind != kind || (text != "" && a.Text != text) || a.Duration <= 0 {
			continue
		}
		s, e := int(a.Sample), int(a.Sample+a.Duration)
		if s < 0 || e > n || d.inGap(s, e) {
			continue
		}
		out = append(out, [2]int{s, e})
	}
	return out
}

// inGap reports whether [s, e) overlaps a gap.
func (d *calData) inGap(s, e int) bool {
	for _, g := range d.gaps {
		if s < g[1] && g[0] < e {
			return true
		}
	}
	return false
}

// labelled is a training segment with its repetition number.
type labelled struct {
	seg recognition.Segment
	rep int
}

// gestureSegments returns the labelled segments of each recording,
// numbered by repetition per gesture across the recordings in order: every
// gesture from the latest session that recorded it (a redo replaces the
// earlier repetitions), plus those of later sessions that add repetitions
// (calData.more).
func gestureSegments(data []*calData) [][]labelled {
	owner := map[string]int{}
	for i, d := range data {
		if d.more {
			continue
		}
		for _, a := range d.anns {
			if a.Kind == AnnLabel {
				owner[a.Text] = i
			}
		}
	}
	out := make([][]labelled, len(data))
	rep := map[string]int{}
	for i, d := range data {
		anns := slices.Clone(d.anns)
		slices.SortStableFunc(anns, func(a, b *storage.Annotation) int { return int(a.Sample - b.Sample) })
		for _, a := range anns {
			if o, ok := owner[a.Text]; a.Kind != AnnLabel || (o != i && !(d.more && (!ok || i > o))) {
				continue
			}
			rep[a.Text]++
			s, e := int(a.Sample), int(a.Sample+a.Duration)
			if a.Duration <= 0 || s < 0 || e > len(d.channels[0]) || d.inGap(s, e) {
				continue
			}
			out[i] = append(out[i], labelled{seg: recognition.Segment{Start: s, End: e, Label: a.Text}, rep: rep[a.Text]})
		}
	}
	return out
}

// recordings returns the recordings of data with the segments keep accepts.
func recordings(data []*calData, segs [][]labelled, keep func(labelled) bool) []recognition.Recording {
	var out []recognition.Recording
	for i, d := range data {
		r := recognition.Recording{Name: fmt.Sprintf("session %d", d.session.ID), RateHz: d.session.RateHz, Channels: d.channels}
		for _, l := range segs[i] {
			if keep(l) {
				r.Segments = append(r.Segments, l.seg)
			}
		}
		if len(r.Segments) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// sessionMainsHz returns the notch frequency a session was conditioned
// with (its filter description names it), 50 Hz when it does not say.
func sessionMainsHz(s *storage.Session) float64 {
	if strings.Contains(s.Filter, "notch 60") {
		return 60
	}
	return 50
}

// levels returns, per channel, the largest RMS (µV) of the live-filtered
// signal over the annotated spans of kind, or nil when there are none;
// with mean set, the mean over the spans instead.
func levels(data []*calData, kind string, mean bool) []float64 {
	var out []float64
	count := 0
	for _, d := range data {
		spans := d.spans(kind, "")
		if len(spans) == 0 {
			continue
		}
		info := acquisition.StreamInfo{SampleRateHz: d.session.RateHz, Channels: d.session.Channels}
		chain, err := device.ConditioningFilter(info, sessionMainsHz(d.session))
		if err != nil {
			continue
		}
		if out == nil {
			out = make([]float64, d.session.Channels)
		}
		sos := chain.Sections()
		for ch, x := range d.channels {
			if ch >= len(out) {
				break
			}
			y := filter.SOSFilt(nil, sos, x)
			for _, sp := range spans {
				ss := 0.0
				for _, v := range y[sp[0]:sp[1]] {
					ss += v * v
				}
				rms := math.Sqrt(ss / float64(sp[1]-sp[0]))
				if mean {
					out[ch] += rms
				} else {
					out[ch] = max(out[ch], rms)
				}
			}
		}
		count += len(spans)
	}
	if mean && count > 0 {
		for i := range out {
			out[i] /= float64(count)
		}
	}
	return out
}

// Train trains the model on the calibration's gestures and
// cross-validates it by leaving one repetition out, reporting its progress
// in [0, 1] to progress (nil: not reported).
func (c *Calibration) Train(ctx context.Context, progress func(done float64)) (*service.CalibrationResult, error) {
	if progress == nil {
		progress = func(float64) {}
	}
	c.mu.Lock()
	sessions := slices.Clone(c.sessions)
	recording := c.recording != nil
	c.mu.Unlock()
	if recording {
		return nil, errors.New("the calibration is still recording")
	}
	if len(sessions) == 0 {
		return nil, errors.New("nothing recorded yet: run the calibration first")
	}
	var data []*calData
	for _, s := range sessions {
		d, err := loadCalibration(ctx, c, s.id)
		if err != nil {
			return nil, fmt.Errorf("read calibration session %d: %w", s.id, err)
		}
		if d.session.Channels == 0 || len(d.channels[0]) == 0 {
			continue // empty: nothing was recorded
		}
		d.more = s.more
		data = append(data, d)
	}
	if len(data) == 0 {
		return nil, errors.New("the calibration recording is empty: check the device and record the gestures again")
	}
	for _, d := range data[1:] {
		if d.session.Channels != data[0].session.Channels || d.session.RateHz != data[0].session.RateHz {
			return nil, fmt.Errorf("session %d has %d channels at %g Hz, session %d %d at %g Hz: the device changed; start the calibration again",
				d.session.ID, d.session.Channels, d.session.RateHz, data[0].session.ID, data[0].session.Channels, data[0].session.RateHz)
		}
	}
	segs := gestureSegments(data)
	reps, classes := 0, map[string]bool{}
	for _, ss := range segs {
		for _, l := range ss {
			reps = max(reps, l.rep)
			classes[l.seg.Label] = true
		}
	}
	switch len(classes) {
	case 0:
		return nil, errors.New("the recording holds no complete gesture: record the gestures again")
	case 1:
		for g := range classes {
			return nil, fmt.Errorf("only one gesture (%s) was recorded: a model needs at least two, e.g. rest and power grip", g)
		}
	}
	spec := c.opts.Spec
	steps := float64(reps + 1)
	all := recordings(data, segs, func(labelled) bool { return true })
	var base []recognition.Recording
	baseNote, quickNote := "", ""
	if a := recognition.QuickAdaptation(reps); a.Alpha < 1 || a.Beta < 1 {
		// Few repetitions: start from the other patients' calibrations.
		var patients int
		base, patients = c.crossUserBase(ctx, data[0].session, slices.Collect(maps.Keys(classes)))
		baseNote = startNote(len(base), patients)
		if reps == 1 {
			quickNote = quickNoteOf(len(base), patients)
		}
	}
	train := func(s recognition.Spec, recs []recognition.Recording, reps int) (*recognition.Pipeline, error) {
		if len(base) > 0 && s.Model == "lda" {
			p, err := recognition.TrainAdapted(s, recs, base, recognition.QuickAdaptation(reps))
			if !errors.Is(err, recognition.ErrBase) {
				return p, err
			}
			c.log.Warn("calibration: the other patients' calibrations cannot start this one", "err", err)
			base, baseNote = nil, ""
			if quickNote != "" {
				quickNote = quickNoteOf(0, 0)
			}
		}
		return recognition.Train(s, recs)
	}
	pipe, err := train(spec, all, reps)
	if err != nil {
		return nil, trainError(err)
	}
	progress(1 / steps)

	k := len(pipe.Classes)
	cols := k
	if spec.Reject > 0 {
		cols++
	}
	conf := make([][]int, k)
	for i := range conf {
		conf[i] = make([]int, cols)
	}
	folds, note := 0, ""
	if reps < 2 {
		note = "Cross-validation needs at least two repetitions of each gesture: record more repetitions to measure the accuracy."
		if quickNote != "" {
			note = quickNote + " " + note
		}
	}
	for r := 1; reps >= 2 && r <= reps; r++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		foldPipe, err := train(spec, recordings(data, segs, func(l labelled) bool { return l.rep != r }), reps-1)
		if err != nil {
			progress(float64(r+1) / steps)
			continue // e.g. one class left in the fold
		}
		test := recordings(data, segs, func(l labelled) bool { return l.rep == r && slices.Contains(foldPipe.Classes, l.seg.Label) })
		if len(test) == 0 {
			continue
		}
		res, err := foldPipe.Evaluate(test)
		if err != nil {
			c.log.Warn("calibration fold", "rep", r, "err", err)
			continue
		}
		folds++
		for i, row := range res.Confusion {
			ti := slices.Index(pipe.Classes, foldPipe.Classes[i])
			for j, n := range row {
				tj := k // rejected
				if j < len(foldPipe.Classes) {
					tj = slices.Index(pipe.Classes, foldPipe.Classes[j])
				}
				if tj < cols {
					conf[ti][tj] += n
				}
			}
		}
		progress(float64(r+1) / steps)
	}

	result := &service.CalibrationResult{
		Classes:  slices.Clone(pipe.Classes),
		Accuracy: math.NaN(),
		Recall:   make([]float64, k),
		Windows:  pipe.TrainWindows,
		Folds:    folds,
		MVCUV:    levels(data, AnnMVC, false),
		Pipeline: spec.String(),
		Note:     note,
	}
	correct, total := 0, 0
	for i, row := range conf {
		n := 0
		for _, v := range row {
			n += v
		}
		total += n
		correct += row[i]
		result.Recall[i] = math.NaN()
		if n > 0 {
			result.Recall[i] = float64(row[i]) / float64(n)
		}
	}
	if folds > 0 && total > 0 {
		result.Accuracy = float64(correct) / float64(total)
		result.Confusion = conf
	} else if note == "" {
		result.Note = "Cross-validation was not possible (a repetition left too few gestures to train on)."
	}
	if quickNote == "" && baseNote != "" && len(base) > 0 {
		result.Note = strings.TrimSpace(result.Note + " " + baseNote)
	}
	ids := make([]int64, len(data))
	for i, d := range data {
		ids[i] = d.session.ID
	}
	var ctrl *recognition.Pipeline
	if c.opts.ControlSpec.Model != "" {
		// The glove's front end on the same holds: optional, so a failure
		// (e.g. holds too short for it) only loses the glove model.
		if ctrl, err = train(c.opts.ControlSpec, all, reps); err != nil || !slices.Equal(ctrl.Classes, pipe.Classes) {
			c.log.Warn("control front end not trained", "err", err)
			ctrl = nil
		}
	}
	c.mu.Lock()
	c.trained = &trainedModel{pipe: pipe, control: ctrl, result: result, labels: data[0].session.Labels, mvcUV: result.MVCUV,
		baseUV: levels(data, AnnBaseline, true), sessions: ids}
	c.saved = nil
	c.mu.Unlock()
	progress(1)
	c.log.Info("calibration trained", "classes", len(pipe.Classes), "windows", pipe.TrainWindows, "folds", folds, "accuracy", result.Accuracy)
	return result, nil
}

// trainError words a training error for the therapist.
func trainError(err error) error {
	switch {
	case errors.Is(err, recognition.ErrOneClass):
		return fmt.Errorf("only one gesture has usable windows: record at least two gestures (%w)", err)
	case errors.Is(err, recognition.ErrNoWindows), errors.Is(err, recognition.ErrNoLabels):
		return fmt.Errorf("the gesture holds are too short or were interrupted: record them again with longer holds (%w)", err)
	case errors.Is(err, recognition.ErrNotFinite):
		return fmt.Errorf("the recording holds invalid samples: check the device and record again (%w)", err)
	}
	return err
}

// ModelExtra is the calibration-specific part of a stored model's
// metadata (storage.ModelMeta.Extra): with the Spec, the model can be
// rebuilt and run on a stream exactly as it was trained.
type ModelExtra struct {
	Spec     recognition.Spec `json:"spec"`
	Channels int              `json:"n_channels"`
	// MVCUV and BaselineUV are the per-channel maximum voluntary
	// contraction and rest RMS of the live-filtered signal, in µV.
	MVCUV      []float64 `json:"mvc_uv,omitempty"`
	BaselineUV []float64 `json:"baseline_uv,omitempty"`
	// CV is the leave-one-repetition-out cross-validation.
	CV struct {
		// Accuracy is nil when not measured; Recall entries are -1 for a
		// class without test windows.
		Accuracy  *float64  `json:"accuracy,omitempty"`
		Folds     int       `json:"folds"`
		Recall    []float64 `json:"recall"`
		Confusion [][]int   `json:"confusion,omitempty"`
	} `json:"cv"`
	TrainWindows int     `json:"n_train_windows"`
	Sessions     []int64 `json:"sessions"`
	// Int8 is the quantised model (quant.Model.MarshalBinary) when
	// Spec.Int8 is set.
	Int8 []byte `json:"int8,omitempty"`
	// Control is the glove's front end trained on the same holds, nil in
	// models saved before it existed (ControlPipelineOf then falls back to
	// the model itself).
	Control *ControlModel `json:"control,omitempty"`
}

// ControlModel is the glove's front end stored with a calibration model.
type ControlModel struct {
	Spec recognition.Spec `json:"spec"`
	// Model is the float classifier (classify.Marshal); Int8 its INT8
	// version when Spec.Int8 is set.
	Model        []byte `json:"model"`
	Int8         []byte `json:"int8,omitempty"`
	TrainWindows int    `json:"n_train_windows"`
	// RestSD is the onset gate's resting level per channel
	// (recognition.Pipeline.RestSD), nil without a gate.
	RestSD []float64 `json:"rest_sd,omitempty"`
}

// Save stores the last trained model as the patient's next version.
func (c *Calibration) Save(ctx context.Context, name string) (*service.SavedModel, error) {
	c.mu.Lock()
	t, patientID := c.trained, c.patientID
	c.mu.Unlock()
	if t == nil {
		return nil, errors.New("train a model first")
	}
	m, err := storedModel(t, patientID, name)
	if err != nil {
		return nil, err
	}
	if err := c.db.SaveModel(ctx, m); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.saved = m
	c.mu.Unlock()
	c.log.Info("model saved", "patient", patientID, "version", m.Version, "accuracy", m.Accuracy)
	return &service.SavedModel{ID: m.ID, Version: m.Version, Name: m.Name, Accuracy: m.Accuracy, MVCUV: slices.Clone(t.mvcUV)}, nil
}

// storedModel returns t as a storage.Model of the patient.
func storedModel(t *trainedModel, patientID int64, name string) (*storage.Model, error) {
	if t.result == nil {
		t.result = &service.CalibrationResult{Accuracy: math.NaN()}
	}
	return encodeModel(t, patientID, name)
}

// StoredModel encodes a trained pipeline as patient patientID's model
// under name: the classifier (and its INT8 version), the Spec, the channel
// labels, the per-channel MVC in µV (may be nil), the cross-validation
// result (may be nil) and the calibration sessions it was trained on.
func StoredModel(pipe *recognition.Pipeline, labels []string, mvcUV []float64, result *service.CalibrationResult, sessions []int64, patientID int64, name string) (*storage.Model, error) {
	return storedModel(&trainedModel{pipe: pipe, labels: labels, mvcUV: mvcUV, result: result, sessions: sessions}, patientID, name)
}

// encodeModel is storedModel's encoding.
func encodeModel(t *trainedModel, patientID int64, name string) (*storage.Model, error) {
	p := t.pipe
	data, err := classify.Marshal(p.Model)
	if err != nil {
		return nil, fmt.Errorf("encode the model: %w", err)
	}
	set, err := p.Spec.NewSet(p.Channels)
	if err != nil {
		return nil, err
	}
	x := ModelExtra{Spec: p.Spec, Channels: p.Channels, MVCUV: t.mvcUV, BaselineUV: t.baseUV, TrainWindows: p.TrainWindows, Sessions: t.sessions}
	if a := t.result.Accuracy; !math.IsNaN(a) {
		x.CV.Accuracy = &a
	}
	x.CV.Folds, x.CV.Confusion = t.result.Folds, t.result.Confusion
	for _, r := range t.result.Recall {
		if math.IsNaN(r) {
			r = -1
		}
		x.CV.Recall = append(x.CV.Recall, r)
	}
	kind := p.Spec.Model
	if p.Int8 != nil {
		kind = "int8-" + kind
		if x.Int8, err = p.Int8.MarshalBinary(); err != nil {
			return nil, fmt.Errorf("encode the INT8 model: %w", err)
		}
	}
	if cp := t.control; cp != nil {
		cm := &ControlModel{Spec: cp.Spec, TrainWindows: cp.TrainWindows, RestSD: cp.RestSD}
		if cm.Model, err = classify.Marshal(cp.Model); err != nil {
			return nil, fmt.Errorf("encode the glove model: %w", err)
		}
		if cp.Int8 != nil {
			if cm.Int8, err = cp.Int8.MarshalBinary(); err != nil {
				return nil, fmt.Errorf("encode the glove's INT8 model: %w", err)
			}
		}
		x.Control = cm
	}
	extra, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("encode the model metadata: %w", err)
	}
	filterDesc := ""
	if f := p.Spec.Filter; f != nil {
		filterDesc = fmt.Sprintf("bp %g-%g Hz order %d; notch %g Hz Q%g", f.LowHz, f.HighHz, f.Order, f.NotchHz, f.Q)
	}
	sessionID := int64(0)
	if len(t.sessions) > 0 {
		sessionID = t.sessions[0]
	}
	return &storage.Model{
		PatientID: patientID,
		SessionID: sessionID,
		Name:      name,
		Accuracy:  t.result.Accuracy,
		Data:      data,
		Meta: storage.ModelMeta{
			Kind:          kind,
			Features:      set.Features(),
			Channels:      slices.Clone(t.labels),
			RateHz:        p.RateHz,
			WindowSamples: p.Spec.Window,
			StepSamples:   p.Spec.Increment,
			Filter:        filterDesc,
			Classes:       slices.Clone(p.Classes),
			Extra:         extra,
		},
	}, nil
}

// PipelineOf rebuilds the recognition pipeline of a stored calibration
// model, with its per-channel MVC (µV).
func PipelineOf(m *storage.Model) (*recognition.Pipeline, []float64, error) {
	x, err := decodeExtra(m)
	if err != nil {
		return nil, nil, err
	}
	p, err := buildPipeline(m, x.Spec, x.Channels, m.Data, x.Int8, x.TrainWindows)
	return p, x.MVCUV, err
}

// ControlPipelineOf rebuilds the glove's front end stored with a
// calibration model, with the per-channel MVC (µV); a model saved without
// one gives its own pipeline (PipelineOf).
func ControlPipelineOf(m *storage.Model) (*recognition.Pipeline, []float64, error) {
	x, err := decodeExtra(m)
	if err != nil {
		return nil, nil, err
	}
	if x.Control == nil {
		return PipelineOf(m)
	}
	c := x.Control
	p, err := buildPipeline(m, c.Spec, x.Channels, c.Model, c.Int8, c.TrainWindows)
	if err != nil {
		return nil, nil, err
	}
	p.RestSD = c.RestSD
	if c.Spec.Gate != nil && len(p.RestSD) != x.Channels {
		return nil, nil, fmt.Errorf("model %d: the glove's onset gate has %d resting levels for %d channels", m.ID, len(p.RestSD), x.Channels)
	}
	return p, x.MVCUV, nil
}

// decodeExtra reads a stored model's calibration metadata.
func decodeExtra(m *storage.Model) (*ModelExtra, error) {
	var x ModelExtra
	if err := json.Unmarshal(m.Meta.Extra, &x); err != nil {
		return nil, fmt.Errorf("model %d: metadata: %w", m.ID, err)
	}
	return &x, nil
}

// buildPipeline rebuilds a pipeline of a stored model from its Spec and
// classifier bytes, checking that they fit together.
func buildPipeline(m *storage.Model, spec recognition.Spec, channels int, data, int8 []byte, trainWindows int) (*recognition.Pipeline, error) {
	// A Spec in milliseconds is resolved at the model's rate (Train
	// stores both; this guards a Spec stored in milliseconds only).
	if at, err := spec.At(m.Meta.RateHz); err == nil {
		spec = at
	}
	if err := spec.Validate(channels, m.Meta.RateHz); err != nil {
		return nil, fmt.Errorf("model %d: %w", m.ID, err)
	}
	model, err := classify.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("model %d: %w", m.ID, err)
	}
	p := &recognition.Pipeline{Spec: spec, Channels: channels, RateHz: m.Meta.RateHz, Classes: slices.Clone(m.Meta.Classes), Model: model, TrainWindows: trainWindows}
	if len(int8) > 0 {
		if p.Int8, err = quant.Unmarshal(int8); err != nil {
			return nil, fmt.Errorf("model %d: INT8: %w", m.ID, err)
		}
	}
	set, err := spec.NewSet(channels)
	if err != nil {
		return nil, fmt.Errorf("model %d: %w", m.ID, err)
	}
	if f := p.Classifier().Features(); f != set.Len() {
		return nil, fmt.Errorf("model %d takes %d features, its front end makes %d", m.ID, f, set.Len())
	}
	return p, nil
}
