package recognition_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"myorehab/processing/recognition"
)

// FuzzParseSpec: ParseSpec never panics, and a Spec it accepts encodes and
// parses back to itself.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []recognition.Spec{recognition.Default(), recognition.DefaultInt8(), recognition.HudginsLDA()} {
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":1,"filter":{"low_hz":20,"order":4},"window":-3}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"window":1099511627776,"increment":1,"features":["TD"],"model":"lda","votes":1e9}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := recognition.ParseSpec(b)
		if err != nil {
			return
		}
		_ = s.Validate(8, 1000) // must not panic whatever the values
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := recognition.ParseSpec(again)
		if err != nil {
			t.Fatalf("re-encoded spec refused: %v", err)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip changed the spec: %+v → %+v", s, back)
		}
	})
}
