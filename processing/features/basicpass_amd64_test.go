//go:build !purego

package features

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestBasicPassAVX2 checks the AVX2 kernel against the portable one on
// every length 2 … 1000 (every remainder mod 4 and 8, below and above
// basicAVX2Min): counts exactly, sums within 1e-12 relative.
func TestBasicPassAVX2(t *testing.T) {
	t.Parallel()
	if !useAVX2 {
		t.Skip("CPU without AVX2: basicPass is basicPassGo")
	}
	checkKernel(t, basicPassAVX2, basicPassGo, 2)
}

// TestHasAVX2 checks the CPU probe (golang.org/x/sys/cpu) against the
// flags Linux reports.
func TestHasAVX2(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo to compare with: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		name, flags, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) != "flags" {
			continue
		}
		if want := slices.Contains(strings.Fields(flags), "avx2"); useAVX2 != want {
			t.Errorf("useAVX2 = %v, /proc/cpuinfo lists avx2: %v", useAVX2, want)
		}
		return
	}
	t.Skip("no flags line in /proc/cpuinfo")
}
