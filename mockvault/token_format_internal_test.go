package mockvault

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestSignedServiceTokenRoundTrip(t *testing.T) {
	key := sscKey(bytes.Repeat([]byte{7}, 32))
	inner := newServiceTokenID()
	if !isStoredServiceID(inner) {
		t.Fatalf("stored id %q", inner)
	}
	tok := signServiceToken(key, inner)
	if len(tok) != 95 || !strings.HasPrefix(tok, "hvs.CAES") {
		t.Fatalf("signed token %q (%d)", tok, len(tok))
	}
	if got, ok := sscInner(key, tok); !ok || got != inner {
		t.Fatalf("sscInner = %q %v", got, ok)
	}
	if signServiceToken(key, inner) != tok {
		t.Fatal("signing is not deterministic")
	}
	other := sscKey(bytes.Repeat([]byte{8}, 32))
	for _, bad := range []string{
		signServiceToken(other, inner), // another server's
		inner, "root", "hvs.", "hvs.!!!!" + strings.Repeat("A", 40),
		"hvs." + base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("x", 60))),
		tok + "AA",
	} {
		if got, ok := sscInner(key, bad); ok {
			t.Errorf("sscInner(%q) = %q, want refusal", bad, got)
		}
	}
	for _, notStored := range []string{tok, "hvs.short", "s." + strings.Repeat("A", 24), "hvs." + strings.Repeat("-", 24)} {
		if isStoredServiceID(notStored) {
			t.Errorf("isStoredServiceID(%q)", notStored)
		}
	}
}

func TestBatchTokenRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	parentInner := newServiceTokenID()
	parent := signServiceToken(sscKey(key), parentInner)
	created := time.Date(2026, 11, 27, 6, 31, 25, 0, time.UTC)
	te := &tokenEntry{
		Parent: parent, Policies: []string{"default", "foo"}, Path: "auth/token/create/r",
		Meta: map[string]string{"a": "", "b": "x"}, DisplayName: "token-x", Role: "r",
		CreationTime: created, TTL: 15 * time.Minute, EntityID: newUUID(),
		BoundCIDRs: []string{"10.0.0.0/8"}, Type: tokenTypeBatch,
	}
	id, err := sealBatch(key, 1, te)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "hvb.AAAAAQ") {
		t.Fatalf("batch token %q: want Vault's barrier header (term 1, version 2)", id)
	}
	got, err := openBatch(key, id)
	if err != nil {
		t.Fatal(err)
	}
	// The parent travels as its stored id (auth.go resolves it).
	if got.Parent != parentInner || got.orphan || got.Path != te.Path || got.DisplayName != te.DisplayName ||
		got.Role != "r" || got.EntityID != te.EntityID || strings.Join(got.Policies, ",") != "default,foo" ||
		got.Meta["a"] != "" || got.Meta["b"] != "x" || len(got.Meta) != 2 || strings.Join(got.BoundCIDRs, ",") != "10.0.0.0/8" ||
		!got.CreationTime.Equal(created) || got.TTL != 15*time.Minute || !got.ExpireTime.Equal(created.Add(15*time.Minute)) ||
		got.Type != tokenTypeBatch || got.ID != id {
		t.Fatalf("round trip: %+v", got)
	}
	orphan := *te
	orphan.Parent = ""
	id2, err := sealBatch(key, 1, &orphan)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := openBatch(key, id2); err != nil || !got.orphan || got.Parent != "" {
		t.Fatalf("orphan: %+v %v", got, err)
	}
	// Changed, foreign or truncated tokens are refused.
	b := []byte(id)
	b[len(b)-5] ^= 1
	for _, bad := range []string{string(b), id[:len(id)-4]} {
		if _, err := openBatch(key, bad); err == nil {
			t.Errorf("openBatch accepted %q", bad)
		}
	}
	if _, err := openBatch(bytes.Repeat([]byte{4}, 32), id); err == nil {
		t.Error("openBatch accepted another server's token")
	}
}
