package mockvault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"hash"
	"math/big"
	"strconv"
	"strings"
)

// Transit HMAC, sign and verify.

// tHashes are Vault's hash_algorithm names, with the crypto.Hash of each
// (0 for "none").
var tHashes = map[string]crypto.Hash{
	"none": 0, "sha1": crypto.SHA1, "sha2-224": crypto.SHA224, "sha2-256": crypto.SHA256,
	"sha2-384": crypto.SHA384, "sha2-512": crypto.SHA512, "sha3-224": crypto.SHA3_224,
	"sha3-256": crypto.SHA3_256, "sha3-384": crypto.SHA3_384, "sha3-512": crypto.SHA3_512,
}

// newHash makes a hash.Hash of h (nil for none).
func newHash(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA1:
		return sha1.New
	case crypto.SHA224:
		return sha256.New224
	case crypto.SHA256:
		return sha256.New
	case crypto.SHA384:
		return sha512.New384
	case crypto.SHA512:
		return sha512.New
	case crypto.SHA3_224:
		return func() hash.Hash { return sha3.New224() }
	case crypto.SHA3_256:
		return func() hash.Hash { return sha3.New256() }
	case crypto.SHA3_384:
		return func() hash.Hash { return sha3.New384() }
	case crypto.SHA3_512:
		return func() hash.Hash { return sha3.New512() }
	}
	return nil
}

// tHMACResult is one item of an HMAC batch answer (and of an HMAC verify).
type tHMACResult struct {
	HMAC      string `json:"hmac,omitempty"`
	Valid     bool   `json:"valid"`
	Error     string `json:"error,omitempty"`
	Reference string `json:"reference"`
	status    int    // 0: ok, 400 or 500 for a single request
}

func (t *transitState) hmac(req *request, d *fieldData) (*response, error) {
	ver := d.integer("key_version")
	algorithm := d.str("urlalgorithm")
	if algorithm == "" {
		algorithm = d.str("algorithm")
	}
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("encryption key not found")
	}
	switch {
	case ver == 0:
		ver = k.latest
	case ver == k.latest:
	case k.minEncryption > 0 && ver < k.minEncryption:
		return nil, tUser("cannot generate HMAC: version is too old (disallowed by policy)")
	}
	key, terr := k.hmacKey(ver)
	if terr != nil {
		return nil, tUser("%s", terr.msg)
	}
	h, ok := tHashes[algorithm]
	if !ok {
		return nil, tUser(`unsupported algorithm '\x00'`)
	}
	batchRaw := d.raw["batch_input"]
	var items []map[string]string
	if batchRaw != nil {
		var err error
		if items, err = decodeStringMaps(batchRaw); err != nil {
			return nil, tInternal("failed to parse batch input: %s", err)
		}
		if len(items) == 0 {
			return nil, tUser("missing batch input to process")
		}
	} else {
		if !d.has("input") {
			return nil, tUser("missing input for HMAC")
		}
		items = []map[string]string{{"input": d.str("input")}}
	}
	results := make([]tHMACResult, len(items))
	for i, it := range items {
		raw, ok := it["input"]
		if !ok {
			results[i] = tHMACResult{Error: "missing input for HMAC", status: 400}
			continue
		}
		input, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			results[i] = tHMACResult{Error: fmt.Sprintf("unable to decode input as base64: %s", err), status: 400}
			continue
		}
		fn := newHash(h)
		if fn == nil {
			results[i] = tHMACResult{status: 500, Error: "unsupported hash algorithm none for HMAC"}
			continue
		}
		m := hmac.New(fn, key)
		m.Write(input)
		results[i].HMAC = versionPrefix(ver) + base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	if batchRaw != nil {
		for i := range items {
			results[i].Reference = items[i]["reference"]
		}
		return dataResp(map[string]any{"batch_results": results}), nil
	}
	if err := results[0].singleError(); err != nil {
		return nil, err
	}
	return dataResp(map[string]any{"hmac": results[0].HMAC}), nil
}

func (r tHMACResult) singleError() error {
	switch r.status {
	case 0:
		return nil
	case 400:
		return tUser("%s", r.Error)
	}
	return tInternal("%s", r.Error)
}

// hmacVerify is verify/:name with hmac (Vault's pathHMACVerify).
func (t *transitState) hmacVerify(req *request, d *fieldData, items []map[string]any, batch bool) (*response, error) {
	algorithm := d.str("urlalgorithm")
	if algorithm == "" {
		switch {
		case d.has("hash_algorithm"):
			algorithm = d.str("hash_algorithm")
		case d.has("algorithm"):
			algorithm = d.str("algorithm")
		default:
			algorithm = d.str("hash_algorithm")
		}
	}
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("encryption key not found")
	}
	h, ok := tHashes[algorithm]
	if !ok {
		return nil, tUser(`unsupported algorithm '\x00'`)
	}
	results := make([]tHMACResult, len(items))
	for i, it := range items {
		results[i] = k.verifyHMACItem(h, it)
	}
	if batch {
		for i := range items {
			results[i].Reference, _ = items[i]["reference"].(string)
		}
		return dataResp(map[string]any{"batch_results": results}), nil
	}
	if err := results[0].singleError(); err != nil {
		return nil, err
	}
	return dataResp(map[string]any{"valid": results[0].Valid}), nil
}

func (k *transitKey) verifyHMACItem(h crypto.Hash, it map[string]any) tHMACResult {
	bad := func(format string, args ...any) tHMACResult {
		return tHMACResult{Error: fmt.Sprintf(format, args...), status: 400}
	}
	rawInput, ok := it["input"]
	if !ok {
		return bad("missing input")
	}
	inputStr, _ := weakString(rawInput)
	input, err := base64.StdEncoding.DecodeString(inputStr)
	if err != nil {
		return bad("unable to decode input as base64: %s", err)
	}
	rawMAC, ok := it["hmac"]
	if !ok {
		return bad("missing hmac")
	}
	mac, _ := weakString(rawMAC)
	if !strings.HasPrefix(mac, "vault:v") {
		return bad("invalid HMAC to verify: no prefix")
	}
	verStr, body, ok := strings.Cut(strings.TrimPrefix(mac, "vault:v"), ":")
	if !ok {
		return bad("invalid HMAC: wrong number of fields")
	}
	ver, err := strconv.Atoi(verStr)
	if err != nil {
		return bad("invalid HMAC: version number could not be decoded")
	}
	want, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return bad("unable to decode verification HMAC as base64: %s", err)
	}
	if ver > k.latest {
		return bad("invalid HMAC: version is too new")
	}
	if k.minDecryption > 0 && ver < k.minDecryption {
		return bad("cannot verify HMAC: version is too old (disallowed by policy)")
	}
	key, terr := k.hmacKey(ver)
	if terr != nil {
		return bad("%s", terr.msg)
	}
	fn := newHash(h)
	if fn == nil {
		return tHMACResult{status: 500, Error: "unsupported hash algorithm none for HMAC"}
	}
	m := hmac.New(fn, key)
	m.Write(input)
	return tHMACResult{Valid: hmac.Equal(m.Sum(nil), want)}
}

// signArgs are the parameters common to sign and verify.
type signArgs struct {
	hash       crypto.Hash
	hashName   string
	marshaling string // "asn1" or "jws"
	prehashed  bool
	sigAlg     string
	saltLength int
}

func signArgsOf(d *fieldData) (signArgs, error) {
	a := signArgs{hashName: d.str("urlalgorithm")}
	if a.hashName == "" {
		if a.hashName = d.str("hash_algorithm"); a.hashName == "" {
			if a.hashName = d.str("algorithm"); a.hashName == "" {
				a.hashName = "sha2-256"
			}
		}
	}
	h, ok := tHashes[a.hashName]
	if !ok {
		return a, fmt.Errorf("invalid hash algorithm %q", a.hashName)
	}
	a.hash = h
	a.marshaling = d.str("marshaling_algorithm")
	if a.marshaling != "asn1" && a.marshaling != "jws" {
		return a, fmt.Errorf("invalid marshaling type %q", a.marshaling)
	}
	a.prehashed = d.boolean("prehashed", false)
	a.sigAlg = d.str("signature_algorithm")
	a.saltLength = rsa.PSSSaltLengthAuto
	if d.has("salt_length") {
		raw := d.str("salt_length")
		switch s := strings.ToLower(raw); s {
		case "auto":
		case "hash":
			a.saltLength = rsa.PSSSaltLengthEqualsHash
		default:
			n, err := strconv.Atoi(s)
			if err != nil {
				return a, fmt.Errorf("salt length neither 'auto', 'hash', nor an int: %s", raw)
			}
			if n < rsa.PSSSaltLengthEqualsHash {
				return a, fmt.Errorf("salt length is invalid: %d", n)
			}
			a.saltLength = n
		}
	}
	return a, nil
}

// check is Vault's validateCommonSignVerifyApiArgs.
func (a signArgs) check(k *transitKey) error {
	if !k.typ.signs() {
		return fmt.Errorf("key type %v does not support signing", k.typ)
	}
	if k.typ.cmac() || k.typ == tkManaged {
		return fmt.Errorf("enterprise specific key type %q can not be used on CE", k.typ)
	}
	if a.hashName == "none" && (!a.prehashed || a.sigAlg != "pkcs1v15") {
		return fmt.Errorf("hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15")
	}
	return nil
}

// ed25519Check is CE's refusal of Ed25519ph/ctx options.
func (a signArgs) ed25519Check(k *transitKey, sigContext string) error {
	if k.typ != tkEd25519 {
		return nil
	}
	switch {
	case a.prehashed:
		return fmt.Errorf("only Pure Ed25519 signatures supported, prehashed must be false")
	case a.hash == crypto.SHA512:
		return fmt.Errorf("only Pure Ed25519 signatures supported, hash_alogithm should not be set")
	case sigContext != "":
		return fmt.Errorf("only Pure Ed25519 signatures supported, signature_context must be empty")
	}
	return nil
}

// digest hashes input for the key types that sign a digest.
func (a signArgs) digest(k *transitKey, input []byte) []byte {
	if k.typ.hashesInput() && !a.prehashed {
		if fn := newHash(a.hash); fn != nil {
			h := fn()
			h.Write(input)
			return h.Sum(nil)
		}
	}
	return input
}

// tSignResult is one item of a sign batch answer.
type tSignResult struct {
	Signature  string `json:"signature,omitempty"`
	KeyVersion int    `json:"key_version"`
	PublicKey  []byte `json:"publickey,omitempty"`
	Error      string `json:"error,omitempty"`
	Reference  string `json:"reference"`
	status     int
}

func (t *transitState) sign(req *request, d *fieldData) (*response, error) {
	args, err := signArgsOf(d)
	if err != nil {
		return nil, tUser("%s", err)
	}
	keyVersion := d.integer("key_version")
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("signing key not found")
	}
	if err := args.check(k); err != nil {
		return nil, tUser("%s", err)
	}
	batchRaw := d.raw["batch_input"]
	var items []map[string]string
	if batchRaw != nil {
		if items, err = decodeStringMaps(batchRaw); err != nil {
			return nil, tInternal("failed to parse batch input: %s", err)
		}
		if len(items) == 0 {
			return nil, tUser("missing batch input to process")
		}
	} else {
		items = []map[string]string{{"input": d.str("input"), "context": d.str("context")}}
		if d.has("signature_context") {
			items[0]["signature_context"] = d.str("signature_context")
		}
	}
	results := make([]tSignResult, len(items))
	for i, it := range items {
		results[i] = k.signItem(args, keyVersion, it)
	}
	if batchRaw != nil {
		for i := range items {
			results[i].Reference = items[i]["reference"]
		}
		return dataResp(map[string]any{"batch_results": results}), nil
	}
	r := results[0]
	switch r.status {
	case 400:
		return nil, tUser("%s", r.Error)
	case 500:
		return nil, tInternal("%s", r.Error)
	}
	data := map[string]any{"signature": r.Signature, "key_version": r.KeyVersion}
	if len(r.PublicKey) > 0 {
		data["public_key"] = r.PublicKey
	}
	return dataResp(data), nil
}

func (k *transitKey) signItem(a signArgs, ver int, it map[string]string) tSignResult {
	bad := func(format string, args ...any) tSignResult {
		return tSignResult{Error: fmt.Sprintf(format, args...), status: 400}
	}
	rawInput, ok := it["input"]
	if !ok {
		return bad("missing input")
	}
	input, err := base64.StdEncoding.DecodeString(rawInput)
	if err != nil {
		return bad("unable to decode input: %s", err)
	}
	input = a.digest(k, input)
	ctx, err := base64.StdEncoding.DecodeString(it["context"])
	if err != nil {
		return bad("failed to base64-decode context")
	}
	if err := a.ed25519Check(k, it["signature_context"]); err != nil {
		return bad("failed to parse batch item: %s", err)
	}
	sig, pub, terr := k.signWith(ver, ctx, input, a)
	if terr != nil {
		// Vault answers a single request's signing error as a plain
		// error (a 500), whatever its kind.
		return tSignResult{status: 500, Error: terr.msg}
	}
	if ver == 0 {
		ver = k.latest
	}
	return tSignResult{Signature: sig, PublicKey: pub, KeyVersion: ver}
}

// signWith is Vault's SignWithOptions.
func (k *transitKey) signWith(ver int, ctx, input []byte, a signArgs) (string, []byte, *transitErr) {
	switch {
	case ver == 0:
		ver = k.latest
	case ver < 0:
		return "", nil, userErr("requested version for signing is negative")
	case ver > k.latest:
		return "", nil, userErr("requested version for signing is higher than the latest key version")
	case k.minEncryption > 0 && ver < k.minEncryption:
		return "", nil, userErr("requested version for signing is less than the minimum encryption key version")
	}
	e, terr := k.entry(ver)
	if terr != nil {
		return "", nil, terr
	}
	if e.privateMissing() {
		return "", nil, userErr("requested version for signing does not contain a private part")
	}
	var sig, pub []byte
	switch {
	case k.typ.isECDSA():
		priv := e.ecdsaPrivate(k.typ.curve())
		r, s, err := ecdsa.Sign(rand.Reader, priv, input)
		if err != nil {
			return "", nil, plainErr("%s", err)
		}
		if a.marshaling == "jws" {
			n := (priv.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*n)
			r.FillBytes(sig[:n])
			s.FillBytes(sig[n:])
		} else {
			sig, err = asn1.Marshal(struct{ R, S *big.Int }{r, s})
			if err != nil {
				return "", nil, plainErr("%s", err)
			}
		}
	case k.typ == tkEd25519:
		key := ed25519.PrivateKey(e.Key)
		if k.derived {
			dk, terr := k.getKey(ctx, ver, 32)
			if terr != nil {
				return "", nil, internalErr("error deriving key: %s", terr.msg)
			}
			key = ed25519.PrivateKey(dk)
			pub = key.Public().(ed25519.PublicKey)
		}
		sig = ed25519.Sign(key, input)
	case k.typ.isRSA():
		alg := a.sigAlg
		if alg == "" {
			alg = "pss"
		}
		var err error
		switch alg {
		case "pss":
			if !validPSSSalt(e.RSAKey.N.BitLen(), a.hash, a.saltLength) {
				return "", nil, userErr("requested salt length %d is invalid", a.saltLength)
			}
			sig, err = rsa.SignPSS(rand.Reader, e.RSAKey, a.hash, input, &rsa.PSSOptions{SaltLength: a.saltLength})
		case "pkcs1v15":
			sig, err = rsa.SignPKCS1v15(rand.Reader, e.RSAKey, a.hash, input)
		default:
			return "", nil, internalErr("unsupported rsa signature algorithm %s", alg)
		}
		if err != nil {
			return "", nil, plainErr("%s", err)
		}
	default:
		return "", nil, plainErr("unsupported key type %v", k.typ)
	}
	enc := base64.StdEncoding.EncodeToString(sig)
	if a.marshaling == "jws" {
		enc = base64.RawURLEncoding.EncodeToString(sig)
	}
	return versionPrefix(ver) + enc, pub, nil
}

// validPSSSalt is the salt length range Go's rsa.SignPSS accepts.
func validPSSSalt(bits int, h crypto.Hash, salt int) bool {
	size := 0
	if h != 0 {
		size = h.Size()
	}
	return salt >= rsa.PSSSaltLengthEqualsHash && salt <= (bits-1+7)/8-2-size
}

// tVerifyResult is one item of a verify batch answer.
type tVerifyResult struct {
	Valid     bool   `json:"valid"`
	Error     string `json:"error,omitempty"`
	Reference string `json:"reference"`
	status    int
}

func (t *transitState) verify(req *request, d *fieldData) (*response, error) {
	var items []map[string]any
	batch := false
	if raw := d.raw["batch_input"]; raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return nil, tUser("failed to parse batch input: '': source data must be an array or slice, got %s", kindOf(raw))
		}
		for i, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, tUser("failed to parse batch input: 1 error(s) decoding:\n\n* '[%d]' expected a map, got '%s'", i, kindOf(x))
			}
			items = append(items, m)
		}
		if len(items) == 0 {
			return nil, tUser("missing batch input to process")
		}
		batch = true
	} else {
		it := map[string]any{"input": d.str("input"), "context": d.str("context")}
		for _, f := range []string{"signature", "hmac", "cmac", "signature_context"} {
			if d.has(f) {
				it[f] = d.str(f)
			}
		}
		items = []map[string]any{it}
	}
	sigFound, hmacFound, cmacFound, missing := false, false, false, false
	for _, it := range items {
		if _, ok := it["signature"]; ok {
			sigFound = true
		} else if _, ok := it["hmac"]; ok {
			hmacFound = true
		} else if _, ok := it["cmac"]; ok {
			cmacFound = true
		} else {
			missing = true
		}
	}
	n := 0
	for _, b := range []bool{sigFound, hmacFound, cmacFound} {
		if b {
			n++
		}
	}
	switch {
	case !batch && n > 1:
		return nil, tUser("provide one of 'signature', 'hmac' or 'cmac'")
	case !batch && n == 0:
		return nil, tUser("missing one of 'signature', 'hmac' or 'cmac' arguments to verify")
	case n > 1:
		return nil, tUser("elements of batch_input must all provide either 'signature', 'hmac' or 'cmac'")
	case missing && sigFound:
		return nil, tUser("some elements of batch_input are missing 'signature'")
	case missing && hmacFound:
		return nil, tUser("some elements of batch_input are missing 'hmac'")
	case missing && cmacFound:
		return nil, tUser("some elements of batch_input are missing 'cmac'")
	case n == 0:
		return nil, tUser("no batch_input elements have 'signature', 'hmac' or 'cmac'")
	case hmacFound:
		return t.hmacVerify(req, d, items, batch)
	case cmacFound:
		return nil, tUser("key type cmac is only available in enterprise versions of Vault")
	}
	args, err := signArgsOf(d)
	if err != nil {
		return nil, tUser("%s", err)
	}
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("signature verification key not found")
	}
	if err := args.check(k); err != nil {
		return nil, tUser("%s", err)
	}
	results := make([]tVerifyResult, len(items))
	for i, it := range items {
		results[i] = k.verifyItem(args, it)
	}
	if batch {
		for i := range items {
			if ref, err := weakString(items[i]["reference"]); err == nil {
				results[i].Reference = ref
			}
		}
		return dataResp(map[string]any{"batch_results": results}), nil
	}
	r := results[0]
	switch r.status {
	case 400:
		return nil, tUser("%s", r.Error)
	case 500:
		return nil, tInternal("%s", r.Error)
	}
	return dataResp(map[string]any{"valid": r.Valid}), nil
}

func (k *transitKey) verifyItem(a signArgs, it map[string]any) tVerifyResult {
	bad := func(format string, args ...any) tVerifyResult {
		return tVerifyResult{Error: "failed to parse item: " + fmt.Sprintf(format, args...), status: 400}
	}
	inputStr, err := weakString(it["input"])
	if err != nil {
		return bad("failed to parse input: %s", err)
	}
	input, err := base64.StdEncoding.DecodeString(inputStr)
	if err != nil {
		return bad("failed to parse input: %s", err)
	}
	sigRaw, ok := it["signature"]
	if !ok {
		return bad("missing signature")
	}
	sig, err := weakString(sigRaw)
	if err != nil {
		return bad("failed to parse signature as a string: %s", err)
	}
	input = a.digest(k, input)
	ctxStr, err := weakString(it["context"])
	if err != nil {
		return bad("failed to parse context: %s", err)
	}
	ctx, err := base64.StdEncoding.DecodeString(ctxStr)
	if err != nil {
		return bad("failed to parse context: %s", err)
	}
	sigCtx, ok := it["signature_context"].(string)
	if _, present := it["signature_context"]; present && !ok {
		return bad("failed to parse batch item: expected string for key=%q, got=%q", "signature_context", it["signature_context"])
	}
	if err := a.ed25519Check(k, sigCtx); err != nil {
		return bad("failed to parse batch item: %s", err)
	}
	valid, terr := k.verifyWith(ctx, input, sig, a)
	if terr != nil {
		if !terr.internal && !terr.plain {
			return tVerifyResult{Error: terr.msg, status: 400}
		}
		return tVerifyResult{Error: terr.msg, status: 500}
	}
	return tVerifyResult{Valid: valid}
}

// verifyWith is Vault's VerifySignatureWithOptions.
func (k *transitKey) verifyWith(ctx, input []byte, sig string, a signArgs) (bool, *transitErr) {
	ver, body, terr := splitVersioned(sig, "signature")
	if terr != nil {
		return false, terr
	}
	if ver > k.latest {
		return false, userErr("invalid signature: version is too new")
	}
	if k.minDecryption > 0 && ver < k.minDecryption {
		return false, userErr(errTooOld)
	}
	var raw []byte
	var err error
	if a.marshaling == "jws" {
		raw, err = base64.RawURLEncoding.DecodeString(body)
	} else {
		raw, err = base64.StdEncoding.DecodeString(body)
	}
	if err != nil {
		return false, userErr("invalid base64 signature value")
	}
	switch {
	case k.typ.isECDSA():
		e, terr := k.entry(ver)
		if terr != nil {
			return false, terr
		}
		var r, s *big.Int
		if a.marshaling == "jws" {
			half := len(raw) / 2
			r, s = new(big.Int).SetBytes(raw[:half]), new(big.Int).SetBytes(raw[half:])
		} else {
			var parsed struct{ R, S *big.Int }
			rest, err := asn1.Unmarshal(raw, &parsed)
			if err != nil {
				return false, userErr("supplied signature is invalid")
			}
			if len(rest) != 0 {
				return false, userErr("supplied signature contains extra data")
			}
			r, s = parsed.R, parsed.S
		}
		return ecdsa.Verify(e.ecdsaPublic(k.typ.curve()), input, r, s), nil
	case k.typ == tkEd25519:
		var pub ed25519.PublicKey
		if k.derived {
			dk, terr := k.getKey(ctx, ver, 32)
			if terr != nil {
				return false, internalErr("error deriving key: %s", terr.msg)
			}
			pub = ed25519.PrivateKey(dk).Public().(ed25519.PublicKey)
		} else {
			e, terr := k.entry(ver)
			if terr != nil {
				return false, terr
			}
			b, err := base64.StdEncoding.DecodeString(e.FormattedPublicKey)
			if err != nil {
				return false, plainErr("%s", err)
			}
			pub = b
		}
		if len(pub) != ed25519.PublicKeySize {
			return false, internalErr("no Ed25519 public key on policy")
		}
		return ed25519.Verify(pub, input, raw), nil
	case k.typ.isRSA():
		e, terr := k.entry(ver)
		if terr != nil {
			return false, terr
		}
		alg := a.sigAlg
		if alg == "" {
			alg = "pss"
		}
		pub := e.rsaPublic()
		switch alg {
		case "pss":
			if !validPSSSalt(pub.N.BitLen(), a.hash, a.saltLength) {
				return false, userErr("requested salt length %d is invalid", a.saltLength)
			}
			err = rsa.VerifyPSS(pub, a.hash, input, raw, &rsa.PSSOptions{SaltLength: a.saltLength})
		case "pkcs1v15":
			err = rsa.VerifyPKCS1v15(pub, a.hash, input, raw)
		default:
			return false, internalErr("unsupported rsa signature algorithm %s", alg)
		}
		return err == nil, nil
	}
	return false, internalErr("unsupported key type %v", k.typ)
}

// weakString is parseutil.ParseString: a weak decoding into a string
// (true is "1", numbers their text).
func weakString(v any) (string, error) {
	out, _, err := convertField(v, tString)
	if err != nil {
		return "", err
	}
	s, _ := out.(string)
	return s, nil
}
