package mockvault

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The transit secrets engine (builtin/logical/transit in Vault 1.21.1):
// named keys (AES-GCM, ChaCha20-Poly1305, ECDSA, Ed25519, RSA, HMAC) with
// versions, and the operations on them: encrypt, decrypt, rewrap, data
// keys, HMAC, sign and verify, hash and random bytes, export, backup and
// restore, BYOK import and export, CSRs and certificate chains.
//
// Each mount has its own keys (a *transitState, made by transitEngine), so
// several transit mounts never share a key. Handlers get the state with the
// request (req.state) and never keep it: Restore swaps it for a copy. Key
// material is real: ciphertexts, signatures and HMACs are laid out as
// Vault lays them out and verify with the standard library.
//
// Time is the server's clock: creation times, backup and restore times and
// auto_rotate_period follow it (a key due for rotation is rotated on the
// first request to its mount after it is due, as Vault's periodic check
// does within the hour).
func transitEngine() *engine {
	return &engine{
		typ: "transit", routes: transitRouter,
		state: func(*Server) engineState { return newTransitState() },
	}
}

// transitState is the state of one transit mount.
type transitState struct {
	// keys by name (Vault's policy/<name> entries).
	keys map[string]*transitKey
	// cacheSize is cache-config's size (config/cache).
	cacheSize int
	// disableUpsert is config/keys' disable_upsert.
	disableUpsert bool
	// wrappingKey is the mount's RSA-4096 import wrapping key, made on
	// first use (Vault's policy/import/wrapping-key).
	wrappingKey *transitKey
}

func newTransitState() *transitState {
	return &transitState{keys: map[string]*transitKey{}}
}

// cloneState copies the state for Snapshot/Restore. Key versions
// (*transitKeyEntry) are never changed once made, so copies share them.
func (t *transitState) cloneState() engineState {
	out := &transitState{keys: make(map[string]*transitKey, len(t.keys)), cacheSize: t.cacheSize, disableUpsert: t.disableUpsert}
	for n, k := range t.keys {
		out.keys[n] = k.clone()
	}
	if t.wrappingKey != nil {
		out.wrappingKey = t.wrappingKey.clone()
	}
	return out
}

// autoRotate rotates every key whose auto_rotate_period has passed since
// its latest version was made (Vault's rotateIfRequired).
func (t *transitState) autoRotate(now time.Time) {
	for _, k := range t.keys {
		if k.autoRotate <= 0 || (k.imported && !k.allowImportedRotation) {
			continue
		}
		latest := k.versions[k.latest]
		if latest == nil || !now.After(latest.CreationTime.Add(k.autoRotate)) {
			continue
		}
		_ = k.rotate(now)
	}
}

// transitHandler serves one endpoint with the state of the request's mount.
type transitHandler func(t *transitState, req *request, d *fieldData) (*response, error)

// transitRoute is one Vault path of the engine. Vault's optional segments
// become several gorilla/mux patterns sharing the route.
type transitRoute struct {
	patterns []string
	// captures are every capture of Vault's pattern, optional ones
	// included: Vault sets them all ("" when absent), over the body.
	captures []string
	fields   fields
	defaults map[string]any
	// batch: the path takes batch_input (Vault's TypeSlice, read raw).
	batch  bool
	ops    map[op]transitHandler
	exists func(t *transitState, req *request, d *fieldData) (bool, error)
}

const transitNameRe = `\w(?:(?:[\w-.]+)?\w)?`

func tName(v string) string { return "{" + v + ":" + transitNameRe + "}" }

// transitRoutes lists the engine's paths in Vault's order.
func transitRoutes() []transitRoute {
	name := tName("name")
	keyFields := fields{"name": tString, "type": tString, "derived": tBool, "convergent_encryption": tBool,
		"exportable": tBool, "allow_plaintext_backup": tBool, "context": tString, "auto_rotate_period": tDuration,
		"key_size": tInt, "managed_key_name": tString, "managed_key_id": tString, "parameter_set": tString,
		"hybrid_key_type_pqc": tString, "hybrid_key_type_ec": tString}
	importFields := fields{"name": tString, "type": tString, "ciphertext": tString, "public_key": tString,
		"hash_function": tString, "allow_rotation": tBool, "derived": tBool, "context": tString,
		"exportable": tBool, "allow_plaintext_backup": tBool, "auto_rotate_period": tDuration}
	signFields := fields{"name": tString, "input": tString, "context": tString, "signature_context": tString,
		"hash_algorithm": tString, "algorithm": tString, "urlalgorithm": tString, "key_version": tInt,
		"prehashed": tBool, "signature_algorithm": tString, "marshaling_algorithm": tString, "salt_length": tString}
	verifyFields := fields{"name": tString, "context": tString, "signature_context": tString, "signature": tString,
		"hmac": tString, "cmac": tString, "input": tString, "urlalgorithm": tString, "mac_length": tInt,
		"hash_algorithm": tString, "algorithm": tString, "prehashed": tBool, "signature_algorithm": tString,
		"marshaling_algorithm": tString, "salt_length": tString}
	signDefaults := map[string]any{"hash_algorithm": "sha2-256", "algorithm": "sha2-256", "marshaling_algorithm": "asn1", "salt_length": "auto"}
	return []transitRoute{
		{patterns: []string{"keys/" + name + "/rotate"}, captures: []string{"name"},
			fields: fields{"name": tString, "managed_key_name": tString, "managed_key_id": tString},
			ops:    map[op]transitHandler{opUpdate: (*transitState).keyRotate}},
		{patterns: []string{"rewrap/" + name}, captures: []string{"name"}, batch: true,
			fields: fields{"name": tString, "ciphertext": tString, "encrypt_padding_scheme": tString, "decrypt_padding_scheme": tString,
				"context": tString, "nonce": tString, "key_version": tInt},
			ops: map[op]transitHandler{opUpdate: (*transitState).rewrap}},
		{patterns: []string{"wrapping_key"},
			ops: map[op]transitHandler{opRead: (*transitState).wrappingKeyRead}},
		{patterns: []string{"keys/" + name + "/import"}, captures: []string{"name"}, fields: importFields,
			defaults: map[string]any{"type": "aes256-gcm96", "hash_function": "SHA256"},
			ops:      map[op]transitHandler{opUpdate: (*transitState).keyImport}},
		{patterns: []string{"keys/" + name + "/import_version"}, captures: []string{"name"},
			fields:   fields{"name": tString, "ciphertext": tString, "public_key": tString, "hash_function": tString, "version": tInt},
			defaults: map[string]any{"hash_function": "SHA256"},
			ops:      map[op]transitHandler{opUpdate: (*transitState).keyImportVersion}},
		{patterns: []string{"keys/" + name}, captures: []string{"name"}, fields: keyFields,
			defaults: map[string]any{"type": "aes256-gcm96"},
			ops:      map[op]transitHandler{opRead: (*transitState).keyRead, opUpdate: (*transitState).keyWrite, opDelete: (*transitState).keyDelete}},
		{patterns: []string{"keys/"},
			ops: map[op]transitHandler{opList: (*transitState).keyList}},
		{patterns: []string{"byok-export/" + tName("destination") + "/" + tName("source"), "byok-export/" + tName("destination") + "/" + tName("source") + "/{version:.+}"},
			captures: []string{"destination", "source", "version"}, fields: fields{"destination": tString, "source": tString, "version": tString, "hash": tString},
			defaults: map[string]any{"hash": "SHA256"},
			ops:      map[op]transitHandler{opRead: (*transitState).byokExport}},
		{patterns: []string{"export/" + tName("type") + "/" + name, "export/" + tName("type") + "/" + name + "/{version:.+}"},
			captures: []string{"type", "name", "version"}, fields: fields{"type": tString, "name": tString, "version": tString},
			ops: map[op]transitHandler{opRead: (*transitState).export}},
		{patterns: []string{"keys/" + name + "/config"}, captures: []string{"name"},
			fields: fields{"name": tString, "min_decryption_version": tInt, "min_encryption_version": tInt,
				"deletion_allowed": tBool, "exportable": tBool, "allow_plaintext_backup": tBool, "auto_rotate_period": tDuration},
			ops: map[op]transitHandler{opUpdate: (*transitState).keyConfig}},
		{patterns: []string{"encrypt/" + name}, captures: []string{"name"}, batch: true,
			fields: fields{"name": tString, "plaintext": tString, "padding_scheme": tString, "context": tString, "nonce": tString,
				"type": tString, "convergent_encryption": tBool, "key_version": tInt, "partial_failure_response_code": tInt,
				"associated_data": tString, "iv": tString},
			defaults: map[string]any{"type": "aes256-gcm96"},
			ops:      map[op]transitHandler{opCreate: (*transitState).encrypt, opUpdate: (*transitState).encrypt},
			exists: func(t *transitState, req *request, d *fieldData) (bool, error) {
				k := t.keys[d.str("name")]
				if k != nil && k.typ.entOnly() {
					// Vault's existence check fails; its core hides why.
					return false, tInternal("internal error")
				}
				return k != nil, nil
			}},
		{patterns: []string{"decrypt/" + name}, captures: []string{"name"}, batch: true,
			fields: fields{"name": tString, "ciphertext": tString, "padding_scheme": tString, "context": tString, "nonce": tString,
				"partial_failure_response_code": tInt, "associated_data": tString},
			ops: map[op]transitHandler{opUpdate: (*transitState).decrypt}},
		{patterns: []string{"datakey/" + tName("plaintext") + "/" + name}, captures: []string{"plaintext", "name"},
			fields: fields{"name": tString, "plaintext": tString, "padding_scheme": tString, "context": tString, "nonce": tString,
				"bits": tInt, "key_version": tInt},
			defaults: map[string]any{"bits": 256},
			ops:      map[op]transitHandler{opUpdate: (*transitState).datakey}},
		{patterns: []string{"random", "random/" + tName("source"), "random/" + tName("source") + "/{urlbytes:.+}", "random/{urlbytes:.+}"},
			captures: []string{"source", "urlbytes"}, fields: fields{"urlbytes": tString, "bytes": tInt, "format": tString, "source": tString},
			defaults: map[string]any{"bytes": 32, "format": "base64", "source": "platform"},
			ops:      map[op]transitHandler{opUpdate: (*transitState).random}},
		{patterns: []string{"hash", "hash/{urlalgorithm:.+}"}, captures: []string{"urlalgorithm"},
			fields:   fields{"input": tString, "algorithm": tString, "urlalgorithm": tString, "format": tString},
			defaults: map[string]any{"algorithm": "sha2-256", "format": "hex"},
			ops:      map[op]transitHandler{opUpdate: (*transitState).hash}},
		{patterns: []string{"hmac/" + name, "hmac/" + name + "/{urlalgorithm:.+}"}, captures: []string{"name", "urlalgorithm"}, batch: true,
			fields:   fields{"name": tString, "input": tString, "algorithm": tString, "urlalgorithm": tString, "key_version": tInt},
			defaults: map[string]any{"algorithm": "sha2-256"},
			ops:      map[op]transitHandler{opUpdate: (*transitState).hmac}},
		{patterns: []string{"sign/" + name, "sign/" + name + "/{urlalgorithm:.+}"}, captures: []string{"name", "urlalgorithm"}, batch: true,
			fields: signFields, defaults: signDefaults,
			ops: map[op]transitHandler{opUpdate: (*transitState).sign}},
		{patterns: []string{"verify/" + name, "verify/" + name + "/{urlalgorithm:.+}"}, captures: []string{"name", "urlalgorithm"}, batch: true,
			fields: verifyFields, defaults: signDefaults,
			ops: map[op]transitHandler{opUpdate: (*transitState).verify}},
		{patterns: []string{"backup/" + name}, captures: []string{"name"}, fields: fields{"name": tString},
			ops: map[op]transitHandler{opRead: (*transitState).backup}},
		{patterns: []string{"restore", "restore/{name:.+}"}, captures: []string{"name"},
			fields: fields{"backup": tString, "name": tString, "force": tBool},
			ops:    map[op]transitHandler{opUpdate: (*transitState).restore}},
		{patterns: []string{"keys/" + name + "/trim"}, captures: []string{"name"},
			fields: fields{"name": tString, "min_available_version": tInt},
			ops:    map[op]transitHandler{opUpdate: (*transitState).keyTrim}},
		{patterns: []string{"cache-config"}, fields: fields{"size": tInt},
			ops: map[op]transitHandler{opRead: (*transitState).cacheConfigRead, opUpdate: (*transitState).cacheConfigWrite}},
		{patterns: []string{"config/keys"}, fields: fields{"disable_upsert": tBool},
			ops: map[op]transitHandler{opRead: (*transitState).configKeysRead, opUpdate: (*transitState).configKeysWrite}},
		{patterns: []string{"keys/" + name + "/csr"}, captures: []string{"name"},
			fields: fields{"name": tString, "version": tInt, "csr": tString},
			ops:    map[op]transitHandler{opUpdate: (*transitState).csr}},
		{patterns: []string{"keys/" + name + "/set-certificate"}, captures: []string{"name"},
			fields: fields{"name": tString, "version": tInt, "certificate_chain": tString},
			ops:    map[op]transitHandler{opUpdate: (*transitState).setCertificate}},
	}
}

// transitRouter builds the router of a transit mount.
func transitRouter(_ *Server, _ *mount) *backend {
	var paths []*path
	for _, r := range transitRoutes() {
		r := r
		ops := make(map[op]handlerFunc, len(r.ops))
		for o, fn := range r.ops {
			ops[o] = transitWrap(r, fn)
		}
		var exists func(*request, *fieldData) (bool, error)
		if r.exists != nil {
			exists = func(req *request, d *fieldData) (bool, error) {
				return r.exists(req.state.(*transitState), req, d)
			}
		}
		for _, p := range r.patterns {
			paths = append(paths, &path{pattern: p, fields: r.fields, defaults: r.defaults, ops: ops, exists: exists, captures: r.captures})
		}
	}
	return newBackend(paths)
}

// transitWrap gives a handler its mount's state and does what Vault's
// framework does around it: batch_input is taken raw, unknown parameters
// are named in a warning. (Path captures replace body parameters in the
// server, path.captures.)
func transitWrap(r transitRoute, fn transitHandler) handlerFunc {
	return func(req *request, d *fieldData) (*response, error) {
		t := req.state.(*transitState)
		t.autoRotate(req.now)
		if err := t.entOnlyKey(r, req, d); err != nil {
			return nil, err
		}
		var ignored []string
		for _, k := range d.ignored() {
			if !(r.batch && k == "batch_input") {
				ignored = append(ignored, k)
			}
		}
		// Every parameter is accounted for here; the server adds nothing.
		schema := fields{}
		for k, v := range d.schema {
			schema[k] = v
		}
		for k := range d.raw {
			if _, ok := schema[k]; !ok {
				schema[k] = tMap
			}
		}
		d.schema = schema
		resp, err := fn(t, req, d)
		if err == nil && resp != nil && resp.raw == nil {
			if len(ignored) > 0 {
				resp.warnings = append(resp.warnings, fmt.Sprintf("Endpoint ignored these unrecognized parameters: %v", ignored))
			}
		}
		return resp, err
	}
}

// Vault's answers to handler results: logical.ErrorResponse with
// ErrInvalidRequest (or a nil error) is a 400 with the bare message; a
// plain error is a 500 with the core's multierror text.

// tUser is a 400 with msg (logical.ErrorResponse).
func tUser(format string, args ...any) error { return badRequest(format, args...) }

// tInternal is a 500 (a plain error out of the handler).
func tInternal(format string, args ...any) error { return internalError(format, args...) }

// transitErr is an error of a key operation: Vault's errutil.UserError
// (internal false) or errutil.InternalError (internal true). Handlers
// decide how each is answered, as Vault's do.
type transitErr struct {
	msg      string
	internal bool
	// plain marks an error that is neither (a bare Go error in Vault).
	plain bool
}

func (e *transitErr) Error() string { return e.msg }

func userErr(format string, args ...any) *transitErr {
	return &transitErr{msg: fmt.Sprintf(format, args...)}
}

func internalErr(format string, args ...any) *transitErr {
	return &transitErr{msg: fmt.Sprintf(format, args...), internal: true}
}

func plainErr(format string, args ...any) *transitErr {
	return &transitErr{msg: fmt.Sprintf(format, args...), plain: true}
}

// asUserOr500 answers a key operation's error: user errors as 400s, the
// rest as 500s.
func asUserOr500(err *transitErr) error {
	if !err.internal && !err.plain {
		return tUser("%s", err.msg)
	}
	return tInternal("%s", err.msg)
}

// batchStatus is Vault's batchRequestResponse: a batch with failed items
// is answered with the whole envelope under 400 (user errors) or 500, or
// partial_failure_response_code when some items succeeded.
func batchStatus(d *fieldData, resp *response, successes, userErrors, internalErrors bool) *response {
	if !userErrors && !internalErrors {
		return resp
	}
	code := http.StatusInternalServerError
	if userErrors {
		code = http.StatusBadRequest
	}
	if d.has("partial_failure_response_code") && successes {
		if n := d.integer("partial_failure_response_code"); n < 1 || n > 599 {
			resp.warnings = append(resp.warnings, fmt.Sprintf("invalid HTTP response code override from partial_failure_response_code, reverting to %d", code))
		} else {
			code = n
		}
	}
	return rawVaultBody(code, resp.data, resp.warnings)
}

// entOnlyKey refuses, as Vault's GetPolicy does, any use of an
// enterprise-only key (encrypt's upsert makes them) except deleting,
// listing, backing up and restoring it.
func (t *transitState) entOnlyKey(r transitRoute, req *request, d *fieldData) error {
	name, ok := d.vars["name"]
	if !ok {
		return nil
	}
	k := t.keys[name]
	if k == nil || !k.typ.entOnly() || req.op == opDelete || strings.HasPrefix(req.rel, "backup/") || strings.HasPrefix(req.rel, "restore") {
		return nil
	}
	return tInternal("key type %s is only available in enterprise versions of Vault", k.typ)
}
