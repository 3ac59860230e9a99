package fatigue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"myorehab/internal/shareddata"
)

// mckiernanDir returns ../shared/data/mckiernan-sustained beside the module
// root, or skips the test when it is absent (fails it under CI=true).
func mckiernanDir(t testing.TB) string {
	t.Helper()
	dir := shareddata.Dir(t, "data", "mckiernan-sustained")
	shareddata.File(t, filepath.Join(dir, "mdf_slope_reference.csv"), "McKiernan recordings")
	return dir
}

// readWAV reads a 16-bit PCM WAV file (the McKiernan originals) into planar
// float64 channels, using the data chunk's size (the files carry a trailing
// LIST chunk).
func readWAV(path string) (fs float64, chans [][]float64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, nil, errors.New("not a RIFF/WAVE file")
	}
	var nch, bits int
	for p := 12; p+8 <= len(b); {
		id := string(b[p : p+4])
		size := int(binary.LittleEndian.Uint32(b[p+4 : p+8]))
		body := b[p+8:]
		if size > len(body) {
			return 0, nil, fmt.Errorf("chunk %q truncated", id)
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return 0, nil, errors.New("short fmt chunk")
			}
			nch = int(binary.LittleEndian.Uint16(body[2:4]))
			fs = float64(binary.LittleEndian.Uint32(body[4:8]))
			bits = int(binary.LittleEndian.Uint16(body[14:16]))
		case "data":
			if nch < 1 || bits != 16 {
				return 0, nil, fmt.Errorf("unsupported format: %d channels, %d bits", nch, bits)
			}
			n := size / (2 * nch)
			chans = make([][]float64, nch)
			for c := range chans {
				chans[c] = make([]float64, n)
			}
			for i := range n {
				for c := range nch {
					off := 2 * (i*nch + c)
					chans[c][i] = float64(int16(binary.LittleEndian.Uint16(body[off:])))
				}
			}
			return fs, chans, nil
		}
		p += 8 + size + size%2
	}
	return 0, nil, errors.New("no data chunk")
}
