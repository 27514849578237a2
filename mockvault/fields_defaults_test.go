package mockvault

import (
	"testing"
	"time"
)

// Schema defaults fill what a request leaves out, converted like input,
// and never count as sent.
func TestFieldDefaults(t *testing.T) {
	d := &fieldData{
		raw:      map[string]any{"given": "x"},
		schema:   fields{"given": tString, "name": tString, "n": tInt, "on": tBool, "ttl": tDuration, "list": tCommaSlice},
		defaults: map[string]any{"given": "default", "name": "aes256-gcm96", "n": "3", "on": true, "ttl": "1h", "list": "a,b"},
	}
	if d.str("given") != "x" || d.str("name") != "aes256-gcm96" || d.integer("n") != 3 || !d.boolean("on", false) ||
		d.duration("ttl") != time.Hour || len(d.strings("list")) != 2 {
		t.Fatalf("defaults not applied: %q %q %d %v %v %v", d.str("given"), d.str("name"), d.integer("n"), d.boolean("on", false), d.duration("ttl"), d.strings("list"))
	}
	if d.has("name") || !d.has("given") {
		t.Fatal("a default must not count as sent")
	}
	if (&fieldData{schema: fields{"on": tBool}}).boolean("on", true) != true {
		t.Fatal("the caller's default applies without a schema default")
	}
}
