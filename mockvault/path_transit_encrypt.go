package mockvault

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Transit encryption: encrypt (with upsert), decrypt, rewrap and data
// keys, single or batch.

// tBatchItem is one item of an encrypt/decrypt batch (Vault's
// BatchRequestItem).
type tBatchItem struct {
	context, plaintext, ciphertext, padding, nonce, ad, reference, iv string
	keyVersion                                                        int
	decodedContext, decodedNonce                                      []byte
}

// tBatchDecodeError is mapstructure's aggregate error text.
func tBatchDecodeError(errs []string) error {
	points := make([]string, len(errs))
	for i, e := range errs {
		points[i] = "* " + e
	}
	sort.Strings(points)
	return fmt.Errorf("%d error(s) decoding:\n\n%s", len(errs), strings.Join(points, "\n"))
}

// decodeCryptBatch reads batch_input of encrypt (needPlaintext) or decrypt
// (needCiphertext) as Vault's decodeBatchRequestItems does.
func decodeCryptBatch(src any, needPlaintext, needCiphertext bool) ([]tBatchItem, error) {
	items, ok := src.([]any)
	if !ok {
		return nil, fmt.Errorf("source data must be an array or slice, got %T", src)
	}
	out := make([]tBatchItem, len(items))
	var errs []string
	for i, raw := range items {
		item, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("[%d] expected a map, got '%T'", i, raw)
		}
		str := func(k string, dst *string, nilOK bool) bool {
			v, has := item[k]
			if !has {
				return false
			}
			if v == nil && nilOK {
				return true
			}
			if s, ok := v.(string); ok {
				*dst = s
			} else {
				errs = append(errs, fmt.Sprintf("'[%d].%s' expected type 'string', got unconvertible type '%T'", i, k, v))
			}
			return true
		}
		str("context", &out[i].context, true)
		if !str("ciphertext", &out[i].ciphertext, true) && needCiphertext {
			errs = append(errs, fmt.Sprintf("'[%d].ciphertext' missing ciphertext to decrypt", i))
		}
		if !str("plaintext", &out[i].plaintext, false) && needPlaintext {
			errs = append(errs, fmt.Sprintf("'[%d].plaintext' missing plaintext to encrypt", i))
		}
		str("padding_scheme", &out[i].padding, false)
		str("nonce", &out[i].nonce, true)
		if v, has := item["key_version"]; has && v != nil {
			switch x := v.(type) {
			case json.Number:
				if n, err := x.Int64(); err == nil {
					out[i].keyVersion = int(n)
				} else {
					errs = append(errs, fmt.Sprintf(`error decoding %T into [%d].key_version: strconv.ParseInt: parsing "%s": invalid syntax`, v, i, v))
				}
			case float64:
				out[i].keyVersion = int(x)
			default:
				errs = append(errs, fmt.Sprintf("'[%d].key_version' expected type 'int', got unconvertible type '%T'", i, v))
			}
		}
		str("associated_data", &out[i].ad, true)
		str("reference", &out[i].reference, true)
		str("iv", &out[i].iv, true)
	}
	if len(errs) > 0 {
		return nil, tBatchDecodeError(errs)
	}
	return out, nil
}

// strictString is mapstructure's plain (not weak) decoding of a batch
// value into a string.
func strictString(name string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return string(x), nil
	}
	return "", fmt.Errorf("'%s' expected type 'string', got unconvertible type '%T', value: '%v'", name, v, v)
}

// strictInt is mapstructure's plain decoding into an int.
func strictInt(name string, v any) (int, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n), nil
		}
		return 0, fmt.Errorf("cannot parse '%s' as int: strconv.ParseInt: parsing %q: invalid syntax", name, string(x))
	case float64:
		return int(x), nil
	}
	return 0, fmt.Errorf("'%s' expected type 'int', got unconvertible type '%T', value: '%v'", name, v, v)
}

// decodeStringMaps reads batch_input as a list of string maps (Vault's
// mapstructure.Decode into []map[string]string).
func decodeStringMaps(src any) ([]map[string]string, error) {
	items, ok := src.([]any)
	if !ok {
		return nil, fmt.Errorf("'': source data must be an array or slice, got %s", kindOf(src))
	}
	out := make([]map[string]string, len(items))
	var errs []string
	for i, raw := range items {
		item, ok := raw.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Sprintf("'[%d]' expected a map, got '%s'", i, kindOf(raw)))
			continue
		}
		out[i] = make(map[string]string, len(item))
		for k, v := range item {
			s, err := strictString(fmt.Sprintf("[%d][%s]", i, k), v)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			out[i][k] = s
		}
	}
	if len(errs) > 0 {
		return nil, tBatchDecodeError(errs)
	}
	return out, nil
}

// kindOf is reflect's Kind name of a decoded JSON value.
func kindOf(v any) string {
	switch v.(type) {
	case string, json.Number:
		return "string"
	case bool:
		return "bool"
	case map[string]any:
		return "map"
	case []any:
		return "slice"
	case float64:
		return "float64"
	case nil:
		return "invalid"
	}
	return fmt.Sprintf("%T", v)
}

// tEncryptResult is one item of an encrypt or rewrap batch answer.
type tEncryptResult struct {
	Ciphertext string `json:"ciphertext,omitempty"`
	KeyVersion int    `json:"key_version,omitempty"`
	Error      string `json:"error,omitempty"`
	Reference  string `json:"reference"`
}

// tDecryptResult is one item of a decrypt batch answer.
type tDecryptResult struct {
	Plaintext string `json:"plaintext"`
	Error     string `json:"error,omitempty"`
	Reference string `json:"reference"`
}

// itemOptions applies a batch item's padding_scheme and associated_data
// to o, or says why the item fails (Vault's per-item texts).
func itemOptions(k *transitKey, i int, it tBatchItem, o *encOpts) string {
	if it.padding != "" {
		ps, err := paddingScheme(k, it.padding)
		if err != nil {
			return fmt.Sprintf("'[%d].padding_scheme' invalid: %s", i, err)
		}
		o.padding = ps
	}
	if it.ad != "" {
		if !k.typ.associatedData() {
			return fmt.Sprintf("'[%d].associated_data' provided for non-AEAD cipher suite %v", i, k.typ)
		}
		o.ad = it.ad
	}
	return ""
}

// count marks a batch as having an internal or a user error, which
// decides its status code.
func (e *transitErr) count(internal, user *bool) {
	if e.internal {
		*internal = true
	} else {
		*user = true
	}
}

// paddingScheme checks a padding_scheme argument for the key's type.
func paddingScheme(k *transitKey, ps string) (string, error) {
	if ps != "oaep" && ps != "pkcs1v15" {
		return "", fmt.Errorf("unknown padding scheme: %s", ps)
	}
	if !k.typ.isRSA() {
		return "", fmt.Errorf("unsupported key type %s for padding scheme", k.typ)
	}
	return ps, nil
}

func (t *transitState) encrypt(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	batchRaw := d.raw["batch_input"]
	var items []tBatchItem
	if batchRaw != nil {
		var err error
		if items, err = decodeCryptBatch(batchRaw, true, false); err != nil {
			return nil, tInternal("failed to parse batch input: %s", err)
		}
		if len(items) == 0 {
			return nil, tUser("missing batch input to process")
		}
	} else {
		if !d.has("plaintext") {
			return nil, tUser("missing plaintext to encrypt")
		}
		items = []tBatchItem{{plaintext: d.str("plaintext"), context: d.str("context"), nonce: d.str("nonce"),
			keyVersion: d.integer("key_version"), ad: d.str("associated_data"), iv: d.str("iv"), padding: d.str("padding_scheme")}}
	}
	results := make([]tEncryptResult, len(items))
	contextSet := items[0].context != ""
	userErrors, internalErrors := false, false
	for i := range items {
		it := &items[i]
		if (it.context == "") == contextSet {
			return nil, tUser("context should be set either in all the request blocks or in none")
		}
		var err error
		if _, err = base64.StdEncoding.DecodeString(it.plaintext); err == nil && it.context != "" {
			it.decodedContext, err = base64.StdEncoding.DecodeString(it.context)
		}
		if err == nil && it.nonce != "" {
			it.decodedNonce, err = base64.StdEncoding.DecodeString(it.nonce)
		}
		if err == nil && it.iv != "" {
			_, err = base64.StdEncoding.DecodeString(it.iv)
		}
		if err != nil {
			userErrors = true
			results[i].Error = err.Error()
		}
	}

	k := t.key(name)
	if req.op == opCreate && k == nil {
		convergent := d.boolean("convergent_encryption", false)
		if convergent && !contextSet {
			return nil, tUser("convergent encryption requires derivation to be enabled, so context is required")
		}
		typName := d.str("type")
		typ, ok := tkTypeByName(typName)
		switch {
		case ok && typ.isECDSA():
			return nil, tUser("key type %v not supported for this operation", typName)
		case !ok || !(typ.aead() || typ.isRSA() || typ.in(tkManaged, tkAES128CBC, tkAES256CBC)):
			return nil, tUser("unknown key type %v", typName)
		}
		if !t.disableUpsert {
			if typ == tkManaged {
				return nil, tInternal("managed keys are supported within enterprise edition only")
			}
			var terr *transitErr
			if typ.entOnly() {
				// Vault makes the key, then refuses to use it.
				if k, terr = t.create(name, typ, contextSet, convergent, 0, req.now); terr == nil {
					t.keys[name] = k
				}
				return nil, tInternal("key type %s is only available in enterprise versions of Vault", typ)
			}
			if k, terr = t.create(name, typ, contextSet, convergent, 0, req.now); terr != nil {
				return nil, asUserOr500(terr)
			}
			t.keys[name] = k
		}
	}
	if k == nil {
		return nil, tUser("encryption key not found")
	}

	successes := false
	for i, it := range items {
		if results[i].Error != "" {
			userErrors = true
			continue
		}
		if it.nonce != "" && !k.nonceAllowed() {
			userErrors = true
			results[i].Error = "provided nonce not allowed for this key"
			continue
		}
		o := encOpts{version: it.keyVersion, context: it.decodedContext, nonce: it.decodedNonce}
		if msg := itemOptions(k, i, it, &o); msg != "" {
			results[i].Error = msg
			continue
		}
		ct, terr := k.encrypt(o, it.plaintext)
		if terr != nil {
			terr.count(&internalErrors, &userErrors)
			results[i].Error = terr.msg
			continue
		}
		successes = true
		results[i].Ciphertext = ct
		results[i].KeyVersion = it.keyVersion
		if it.keyVersion == 0 {
			results[i].KeyVersion = k.latest
		}
	}

	resp := &response{}
	if batchRaw != nil {
		for i := range items {
			results[i].Reference = items[i].reference
		}
		resp.data = map[string]any{"batch_results": results}
	} else {
		if results[0].Error != "" {
			if internalErrors {
				return nil, tInternal("%s", results[0].Error)
			}
			return nil, tUser("%s", results[0].Error)
		}
		resp.data = map[string]any{"ciphertext": results[0].Ciphertext, "key_version": results[0].KeyVersion}
	}
	return batchStatus(d, resp, successes, userErrors, internalErrors), nil
}

func (t *transitState) decrypt(req *request, d *fieldData) (*response, error) {
	batchRaw := d.raw["batch_input"]
	var items []tBatchItem
	if batchRaw != nil {
		var err error
		if items, err = decodeCryptBatch(batchRaw, false, true); err != nil {
			return nil, tInternal("failed to parse batch input: %s", err)
		}
		if len(items) == 0 {
			return nil, tUser("missing batch input to process")
		}
	} else {
		ct := d.str("ciphertext")
		if ct == "" {
			return nil, tUser("missing ciphertext to decrypt")
		}
		items = []tBatchItem{{ciphertext: ct, context: d.str("context"), nonce: d.str("nonce"),
			ad: d.str("associated_data"), padding: d.str("padding_scheme")}}
	}
	results := make([]tDecryptResult, len(items))
	contextSet := items[0].context != ""
	userErrors, internalErrors := false, false
	for i := range items {
		it := &items[i]
		if (it.context == "") == contextSet {
			return nil, tUser("context should be set either in all the request blocks or in none")
		}
		if it.ciphertext == "" {
			userErrors = true
			results[i].Error = "missing ciphertext to decrypt"
			continue
		}
		var err error
		if it.context != "" {
			it.decodedContext, err = base64.StdEncoding.DecodeString(it.context)
		}
		if err == nil && it.nonce != "" {
			it.decodedNonce, err = base64.StdEncoding.DecodeString(it.nonce)
		}
		if err != nil {
			userErrors = true
			results[i].Error = err.Error()
		}
	}
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("encryption key not found")
	}
	successes := false
	for i, it := range items {
		if results[i].Error != "" {
			continue
		}
		o := encOpts{context: it.decodedContext, nonce: it.decodedNonce}
		if msg := itemOptions(k, i, it, &o); msg != "" {
			results[i].Error = msg
			continue
		}
		plain, terr := k.decrypt(o, it.ciphertext)
		if terr != nil {
			terr.count(&internalErrors, &userErrors)
			results[i].Error = terr.msg
			continue
		}
		successes = true
		results[i].Plaintext = plain
	}
	resp := &response{}
	if batchRaw != nil {
		for i := range items {
			results[i].Reference = items[i].reference
		}
		resp.data = map[string]any{"batch_results": results}
	} else {
		if results[0].Error != "" {
			if internalErrors {
				return nil, tInternal("%s", results[0].Error)
			}
			return nil, tUser("%s", results[0].Error)
		}
		resp.data = map[string]any{"plaintext": results[0].Plaintext}
	}
	return batchStatus(d, resp, successes, userErrors, internalErrors), nil
}

// rewrap decrypts and encrypts again under the latest (or key_version)
// version. Item errors never change the status.
func (t *transitState) rewrap(req *request, d *fieldData) (*response, error) {
	type rewrapItem struct {
		context, ciphertext, nonce, reference, encPadding, decPadding string
		keyVersion                                                    int
		decodedContext, decodedNonce                                  []byte
	}
	batchRaw := d.raw["batch_input"]
	var items []rewrapItem
	if batchRaw != nil {
		list, ok := batchRaw.([]any)
		if !ok {
			return nil, tInternal("failed to parse batch input: '': source data must be an array or slice, got %s", kindOf(batchRaw))
		}
		var errs []string
		for i, raw := range list {
			m, ok := raw.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Sprintf("'[%d]' expected a map, got '%s'", i, kindOf(raw)))
				continue
			}
			var it rewrapItem
			for k, v := range m {
				var err error
				name := fmt.Sprintf("[%d].%s", i, k)
				switch k {
				case "context":
					it.context, err = strictString(name, v)
				case "ciphertext":
					it.ciphertext, err = strictString(name, v)
				case "nonce":
					it.nonce, err = strictString(name, v)
				case "reference":
					it.reference, err = strictString(name, v)
				case "encrypt_padding_scheme":
					it.encPadding, err = strictString(name, v)
				case "decrypt_padding_scheme":
					it.decPadding, err = strictString(name, v)
				case "associated_data":
					_, err = strictString(name, v)
				case "key_version":
					it.keyVersion, err = strictInt(name, v)
				}
				if err != nil {
					errs = append(errs, err.Error())
				}
			}
			items = append(items, it)
		}
		if len(errs) > 0 {
			return nil, tInternal("failed to parse batch input: %s", tBatchDecodeError(errs))
		}
		if len(items) == 0 {
			return nil, tUser("missing batch input to process")
		}
	} else {
		ct := d.str("ciphertext")
		if ct == "" {
			return nil, tUser("missing ciphertext to decrypt")
		}
		items = []rewrapItem{{ciphertext: ct, context: d.str("context"), nonce: d.str("nonce"), keyVersion: d.integer("key_version"),
			decPadding: d.str("decrypt_padding_scheme"), encPadding: d.str("encrypt_padding_scheme")}}
	}
	results := make([]tEncryptResult, len(items))
	contextSet := items[0].context != ""
	for i := range items {
		it := &items[i]
		if (it.context == "") == contextSet {
			return nil, tUser("context should be set either in all the request blocks or in none")
		}
		if it.ciphertext == "" {
			results[i].Error = "missing ciphertext to decrypt"
			continue
		}
		var err error
		if it.context != "" {
			it.decodedContext, err = base64.StdEncoding.DecodeString(it.context)
		}
		if err == nil && it.nonce != "" {
			it.decodedNonce, err = base64.StdEncoding.DecodeString(it.nonce)
		}
		if err != nil {
			results[i].Error = err.Error()
		}
	}
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("encryption key not found")
	}
	for i, it := range items {
		if results[i].Error != "" {
			continue
		}
		o := encOpts{context: it.decodedContext, nonce: it.decodedNonce}
		if it.decPadding != "" {
			ps, err := paddingScheme(k, it.decPadding)
			if err != nil {
				results[i].Error = fmt.Sprintf("'[%d].decrypt_padding_scheme' invalid: %s", i, err)
				continue
			}
			o.padding = ps
		}
		if it.nonce != "" && !k.nonceAllowed() {
			results[i].Error = "provided nonce not allowed for this key"
			continue
		}
		plain, terr := k.decrypt(o, it.ciphertext)
		if terr != nil {
			if terr.internal || terr.plain {
				return nil, tInternal("%s", terr.msg)
			}
			results[i].Error = terr.msg
			continue
		}
		o = encOpts{version: it.keyVersion, context: it.decodedContext, nonce: it.decodedNonce}
		if it.encPadding != "" {
			ps, err := paddingScheme(k, it.encPadding)
			if err != nil {
				results[i].Error = fmt.Sprintf("'[%d].encrypt_padding_scheme' invalid: %s", i, err)
				continue
			}
			o.padding = ps
		}
		ct, terr := k.encrypt(o, plain)
		if terr != nil {
			if terr.internal || terr.plain {
				return nil, tInternal("%s", terr.msg)
			}
			results[i].Error = terr.msg
			continue
		}
		results[i].Ciphertext = ct
		results[i].KeyVersion = it.keyVersion
		if it.keyVersion == 0 {
			results[i].KeyVersion = k.latest
		}
	}
	if batchRaw != nil {
		for i := range items {
			results[i].Reference = items[i].reference
		}
		return dataResp(map[string]any{"batch_results": results}), nil
	}
	if results[0].Error != "" {
		return nil, tUser("%s", results[0].Error)
	}
	return dataResp(map[string]any{"ciphertext": results[0].Ciphertext, "key_version": results[0].KeyVersion}), nil
}

// datakey makes a random key and answers it encrypted under the named
// key ("wrapped"), and also in the clear ("plaintext").
func (t *transitState) datakey(req *request, d *fieldData) (*response, error) {
	o := encOpts{version: d.integer("key_version")}
	if c := d.str("context"); c != "" {
		var err error
		if o.context, err = base64.StdEncoding.DecodeString(c); err != nil {
			return nil, tUser("failed to base64-decode context")
		}
	}
	if n := d.str("nonce"); n != "" {
		var err error
		if o.nonce, err = base64.StdEncoding.DecodeString(n); err != nil {
			return nil, tUser("failed to base64-decode nonce")
		}
	}
	bits := d.integer("bits")
	if bits != 128 && bits != 256 && bits != 512 {
		return nil, tUser("invalid bit length")
	}
	mode := d.str("plaintext")
	if mode != "plaintext" && mode != "wrapped" {
		return nil, tUser("Invalid path, must be 'plaintext' or 'wrapped'")
	}
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("encryption key not found")
	}
	if d.has("padding_scheme") {
		ps, err := paddingScheme(k, d.str("padding_scheme"))
		if err != nil {
			return nil, tUser("padding_scheme argument invalid: %s", err)
		}
		o.padding = ps
	}
	version := o.version
	if version == 0 {
		version = k.latest
	}
	if len(o.nonce) > 0 && !k.nonceAllowed() {
		return nil, tInternal("provided nonce not allowed for this key")
	}
	plain := base64.StdEncoding.EncodeToString(randBytes(bits / 8))
	ct, terr := k.encrypt(o, plain)
	if terr != nil {
		return nil, asUserOr500(terr)
	}
	data := map[string]any{"key_version": version, "ciphertext": ct}
	if mode == "plaintext" {
		data["plaintext"] = plain
	}
	return dataResp(data), nil
}
