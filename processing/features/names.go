package features

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownFeature is wrapped by the error NewSet returns for a name that is
// neither a feature nor a group.
var ErrUnknownFeature = errors.New("features: unknown feature or group")

// kind identifies one feature.
type kind uint8

const (
	kMAV kind = iota
	kZC
	kSSC
	kWL
	kLS
	kMFL
	kMSR
	kWAMP
	kRMS
	kIAV
	kDASDV
	kVAR
	kM0
	kM2
	kM4
	kSPARSI
	kIRF
	kWLF
	kAR
	kCC
	kLD
	kMAVFD
	kMAVSLP
	kMDF
	kMNF
	kMNP
	kMPK
	kSKEW
	kKURT
	kRMSPHASOR
	kPAP
	kWLPHASOR
	kMZP
	kTM
	kSM
	kSAMPEN
	kFUZZYEN
	kAR9
	numKinds
)

// featureNames returns the feature names indexed by kind, in LibEMG's
// get_feature_list order (AR9, used only by the COMB group, last).
func featureNames() []string {
	return []string{
		"MAV", "ZC", "SSC", "WL", "LS", "MFL", "MSR", "WAMP", "RMS", "IAV",
		"DASDV", "VAR", "M0", "M2", "M4", "SPARSI", "IRF", "WLF", "AR", "CC",
		"LD", "MAVFD", "MAVSLP", "MDF", "MNF", "MNP", "MPK", "SKEW", "KURT",
		"RMSPHASOR", "PAP", "WLPHASOR", "MZP", "TM", "SM", "SAMPEN", "FUZZYEN",
		"AR9",
	}
}

// groupNames returns the supported LibEMG feature groups in a fixed order.
func groupNames() []string {
	return []string{"HTD", "TD", "TSTD", "LS4", "LS9", "TDPSD", "TDAR", "COMB"}
}

// groupMembers returns the features of group g (LibEMG get_feature_groups;
// TD is an alias of HTD), or nil if g is not a group. LibEMG lists AR9 in
// COMB but has no AR9 extractor, so its COMB silently yields WL SSC LD only;
// here AR9 is a 9th-order Burg AR model, as in Phinyomark's COMB set. The
// groups DFTR, ITD, HJORTH and MSWT use features not implemented here.
func groupMembers(g string) []string {
	switch g {
	case "HTD", "TD":
		return []string{"MAV", "ZC", "SSC", "WL"}
	case "TSTD":
		return []string{"MAVFD", "DASDV", "WAMP", "ZC", "MFL", "SAMPEN", "M0", "M2", "M4", "SPARSI", "IRF", "WLF"}
	case "LS4":
		return []string{"LS", "MFL", "MSR", "WAMP"}
	case "LS9":
		return []string{"LS", "MFL", "MSR", "WAMP", "ZC", "RMS", "IAV", "DASDV", "VAR"}
	case "TDPSD":
		return []string{"M0", "M2", "M4", "SPARSI", "IRF", "WLF"}
	case "TDAR":
		return []string{"MAV", "ZC", "SSC", "WL", "AR"}
	case "COMB":
		return []string{"WL", "SSC", "LD", "AR9"}
	}
	return nil
}

// FeatureNames returns the names of all features NewSet accepts, in LibEMG's
// order. The returned slice is a fresh copy.
func FeatureNames() []string { return featureNames() }

// GroupNames returns the names of all feature groups NewSet accepts.
func GroupNames() []string { return groupNames() }

// GroupFeatures returns the features of the named group (case-insensitive),
// or nil if name is not a group.
func GroupFeatures(name string) []string { return groupMembers(strings.ToUpper(name)) }

// kindOf returns the kind of feature name (upper case) and whether it exists.
func kindOf(name string) (kind, bool) {
	for i, n := range featureNames() {
		if n == name {
			return kind(i), true
		}
	}
	return 0, false
}

// expand resolves names (features or groups, case-insensitive) to a list of
// feature kinds without duplicates, keeping the first occurrence, as
// LibEMG's feature dictionary does.
func expand(names []string) ([]kind, error) {
	var out []kind
	seen := make(map[kind]bool)
	add := func(k kind) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, raw := range names {
		name := strings.ToUpper(strings.TrimSpace(raw))
		if k, ok := kindOf(name); ok {
			add(k)
			continue
		}
		if members := groupMembers(name); members != nil {
			for _, m := range members {
				k, _ := kindOf(m)
				add(k)
			}
			continue
		}
		return nil, fmt.Errorf("%w %q; valid features: %s; valid groups: %s",
			ErrUnknownFeature, raw, strings.Join(featureNames(), " "), strings.Join(groupNames(), " "))
	}
	if len(out) == 0 {
		return nil, errors.New("features: no feature requested")
	}
	return out, nil
}

// Params holds the feature parameters. DefaultParams returns LibEMG's
// defaults; the field comments name the LibEMG parameter each one mirrors.
type Params struct {
	// SSCThreshold is SSC_threshold (default 0): a slope sign change is
	// counted when (x[n]−x[n−1])·(x[n]−x[n+1]) ≥ SSCThreshold (unit²).
	SSCThreshold float64
	// WAMPThreshold is WAMP_threshold (default 0.002, unit of the samples):
	// WAMP counts |x[n+1]−x[n]| > WAMPThreshold.
	WAMPThreshold float64
	// AROrder is AR_order (default 4), the order of the Burg AR model.
	AROrder int
	// CCOrder is CC_order (default 4), the number of cepstral coefficients.
	CCOrder int
	// MAVSLPSegments is MAVSLP_segment (default 2); MAVSLP yields
	// MAVSLPSegments−1 slopes per channel.
	MAVSLPSegments int
	// SampleRateHz is the sampling rate used by MDF, MNF and SM (LibEMG's
	// MDF_fs, MNF_fs, SM_fs; default 1000 Hz, whatever the real rate).
	SampleRateHz float64
	// TMOrder is TM_order (default 3), the exponent of the temporal moment.
	TMOrder int
	// SMOrder is SM_order (default 2), the exponent of the spectral moment.
	SMOrder int
	// SampEnDim and SampEnTolerance are SAMPEN_dim (default 2) and
	// SAMPEN_tolerance (default 0.3, in standard deviations).
	SampEnDim       int
	SampEnTolerance float64
	// FuzzyEnDim, FuzzyEnTolerance and FuzzyEnWin are FUZZYEN_dim (default
	// 2), FUZZYEN_tolerance (default 0.3, in standard deviations) and
	// FUZZYEN_win (default 2), the exponent of the distance.
	FuzzyEnDim       int
	FuzzyEnTolerance float64
	FuzzyEnWin       int
}

// DefaultParams returns LibEMG's default feature parameters.
func DefaultParams() Params {
	return Params{
		SSCThreshold:     0,
		WAMPThreshold:    2e-3,
		AROrder:          4,
		CCOrder:          4,
		MAVSLPSegments:   2,
		SampleRateHz:     1000,
		TMOrder:          3,
		SMOrder:          2,
		SampEnDim:        2,
		SampEnTolerance:  0.3,
		FuzzyEnDim:       2,
		FuzzyEnTolerance: 0.3,
		FuzzyEnWin:       2,
	}
}

// ar9Order is the AR order of the AR9 feature of the COMB group.
const ar9Order = 9
