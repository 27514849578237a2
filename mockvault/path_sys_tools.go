package mockvault

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
)

// sys/tools: random bytes and hashes, as Vault 1.21.1's tools paths.
func (s *Server) sysToolsPaths() []*path {
	random := fields{"urlbytes": tString, "bytes": tInt, "format": tString, "source": tString}
	randomDefaults := map[string]any{"bytes": 32, "format": "base64"}
	hashFields := fields{"input": tString, "algorithm": tString, "urlalgorithm": tString, "format": tString}
	hashDefaults := map[string]any{"algorithm": "sha2-256", "format": "hex"}
	rnd := map[op]handlerFunc{opUpdate: s.toolsRandom}
	rndCaps := []string{"source", "urlbytes"}
	hash := map[op]handlerFunc{opUpdate: s.toolsHash}
	hashCaps := []string{"urlalgorithm"}
	return []*path{
		{pattern: "tools/random", fields: random, defaults: randomDefaults, ops: rnd, captures: rndCaps},
		{pattern: `tools/random/{source:\w(?:[\w\-.]*\w)?}`, fields: random, defaults: randomDefaults, ops: rnd, captures: rndCaps},
		{pattern: `tools/random/{source:\w(?:[\w\-.]*\w)?}/{urlbytes:.+}`, fields: random, defaults: randomDefaults, ops: rnd, captures: rndCaps},
		{pattern: "tools/hash", fields: hashFields, defaults: hashDefaults, ops: hash, captures: hashCaps},
		{pattern: "tools/hash/{urlalgorithm:.+}", fields: hashFields, defaults: hashDefaults, ops: hash, captures: hashCaps},
	}
}

// randomMaxBytes is Vault's APIMaxBytes.
const randomMaxBytes = 128 * 1024

func (s *Server) toolsRandom(req *request, d *fieldData) (*response, error) { return randomAPI(d) }

func (s *Server) toolsHash(req *request, d *fieldData) (*response, error) { return hashAPI(d) }

// randomAPI is Vault's HandleRandomAPI (sys/tools/random, transit's
// random). The count and source come from the URL when there
// (random/32, random/seal/32), else the body's bytes; a body "source" is
// overwritten by the URL's empty capture, so only the URL chooses the
// source. The mock has no seal entropy: "seal" warns as a dev server
// does, "all" is the platform source.
func randomAPI(d *fieldData) (*response, error) {
	src, urlBytes := d.vars["source"], d.vars["urlbytes"]
	source, n := "platform", 0
	var err error
	switch {
	case src == "":
		n = d.integer("bytes")
	case urlBytes == "" && validRandomSource(src):
		source, n = src, d.integer("bytes")
	case urlBytes == "":
		n, err = strconv.Atoi(src)
	default:
		source = src
		n, err = strconv.Atoi(urlBytes)
	}
	if err != nil {
		return nil, badRequest("error parsing url-set byte count: %s", err)
	}
	format := d.str("format")
	switch {
	case n < 1:
		return nil, badRequest(`"bytes" cannot be less than 1`)
	case n > randomMaxBytes:
		return nil, badRequest(`"bytes" should be less than %d`, randomMaxBytes)
	case format != "hex" && format != "base64":
		return nil, badRequest("unsupported encoding format %q; must be \"hex\" or \"base64\"", format)
	case !validRandomSource(source):
		return nil, badRequest("unsupported entropy source %q; must be \"platform\" or \"seal\", or \"all\"", source)
	}
	resp := dataResp(map[string]any{"random_bytes": encodeSum(randBytes(n), format)})
	if source == "seal" {
		resp.warnings = []string{"no seal/entropy augmentation available, using platform entropy source"}
	}
	return resp, nil
}

func validRandomSource(s string) bool {
	switch s {
	case "", "platform", "seal", "all":
		return true
	}
	return false
}

// hashAPI is Vault's hash of sys/tools/hash and transit/hash: sha2 and
// sha3 of the base64 input, hex or base64.
func hashAPI(d *fieldData) (*response, error) {
	alg := d.str("urlalgorithm")
	if alg == "" {
		alg = d.str("algorithm")
	}
	input, err := base64.StdEncoding.DecodeString(d.str("input"))
	if err != nil {
		return nil, badRequest("unable to decode input as base64: %s", err)
	}
	format := d.str("format")
	if format != "hex" && format != "base64" {
		return nil, badRequest("unsupported encoding format %s; must be \"hex\" or \"base64\"", format)
	}
	h, ok := tHashes[alg]
	if !ok || h == 0 || alg == "sha1" {
		return nil, badRequest("unsupported algorithm %s", alg)
	}
	sum := newHash(h)()
	sum.Write(input)
	return dataResp(map[string]any{"sum": encodeSum(sum.Sum(nil), format)}), nil
}

// encodeSum renders bytes as "hex" or "base64".
func encodeSum(b []byte, format string) string {
	if format == "hex" {
		return hex.EncodeToString(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}
