package mockvault

import (
	"crypto/ed25519"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Transit key management: keys/:name (create, read, delete), LIST keys,
// keys/:name/config, rotate and trim, cache-config and config/keys.

// key is the named key, or nil.
func (t *transitState) key(name string) *transitKey { return t.keys[name] }

// keyWrite creates a key (Vault's pathPolicyWrite). Writing an existing
// key changes nothing and answers its current state.
func (t *transitState) keyWrite(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	derived := d.boolean("derived", false)
	convergent := d.boolean("convergent_encryption", false)
	typName := d.str("type")
	keySize := d.integer("key_size")
	autoRotate := d.duration("auto_rotate_period")
	paramSet := d.str("parameter_set")

	if autoRotate != 0 && autoRotate < time.Hour {
		return nil, tUser("auto rotate period must be 0 to disable or at least an hour")
	}
	if !derived && convergent {
		return nil, tUser("convergent encryption requires derivation to be enabled")
	}
	typ, ok := tkTypeByName(typName)
	if !ok {
		return nil, tUser("unknown key type %v", typName)
	}
	switch typ {
	case tkMLDSA:
		if paramSet != "44" && paramSet != "65" && paramSet != "87" {
			return nil, tUser("invalid parameter set %s for key type %s", paramSet, typName)
		}
	case tkHybrid:
		pqc, ec := d.str("hybrid_key_type_pqc"), d.str("hybrid_key_type_ec")
		switch {
		case pqc != "ml-dsa":
			return nil, tUser("invalid config for hybrid key: invalid PQC key type: %s", pqc)
		case paramSet != "44" && paramSet != "65" && paramSet != "87":
			return nil, tUser("invalid config for hybrid key: invalid parameter set %s for key type %s", paramSet, pqc)
		case ec != "ecdsa-p256" && ec != "ecdsa-p384" && ec != "ecdsa-p521" && ec != "ed25519":
			return nil, tUser("invalid config for hybrid key: invalid key type for hybrid key: %s", ec)
		}
	case tkSLHDSA:
		paramSet = strings.ToLower(paramSet)
		ok := false
		for _, h := range []string{"sha2", "shake"} {
			for _, n := range []string{"128s", "128f", "192s", "192f", "256s", "256f"} {
				ok = ok || paramSet == "slh-dsa-"+h+"-"+n
			}
		}
		if !ok {
			return nil, tUser("invalid parameter set %s for key type %s", paramSet, typName)
		}
	}
	if keySize != 0 {
		if typ != tkHMAC {
			return nil, tUser("key_size is not valid for algorithm %v", typ)
		}
		if keySize < transitHMACMinKeySize || keySize > transitHMACMaxKeySize {
			return nil, tUser("invalid key_size %d", keySize)
		}
	}
	if typ == tkManaged {
		return nil, tInternal("managed keys are supported within enterprise edition only")
	}
	if typ.entOnly() {
		return nil, tUser("key type %s is only available in enterprise versions of Vault", typ)
	}
	k := t.key(name)
	if k == nil {
		var terr *transitErr
		k, terr = t.create(name, typ, derived, convergent, keySize, req.now)
		if terr != nil {
			return nil, asUserOr500(terr)
		}
		k.exportable = d.boolean("exportable", false)
		k.allowPlaintextBackup = d.boolean("allow_plaintext_backup", false)
		k.autoRotate = autoRotate
		t.keys[name] = k
	}
	data, err := k.format(nil)
	if err != nil {
		return nil, err
	}
	return dataResp(data), nil
}

// create makes a key with its first version (the upsert of Vault's lock
// manager); its errors are plain errors (500s) as in Vault.
func (t *transitState) create(name string, typ tkType, derived, convergent bool, keySize int, now time.Time) (*transitKey, *transitErr) {
	switch {
	case typ.aead() || typ.in(tkAES128CBC, tkAES256CBC):
		if convergent && !derived {
			return nil, plainErr("convergent encryption requires derivation to be enabled")
		}
	case typ == tkEd25519:
		if convergent {
			return nil, plainErr("convergent encryption not supported for keys of type %v", typ)
		}
	default:
		if derived || convergent {
			return nil, plainErr("key derivation and convergent encryption not supported for keys of type %v", typ)
		}
	}
	k := &transitKey{name: name, typ: typ, derived: derived, keySize: keySize}
	if derived {
		k.kdf = kdfHKDF
		if convergent {
			k.convergent = true
			k.convergentVersion = -1
		}
	}
	if terr := k.rotate(now); terr != nil {
		return nil, terr
	}
	return k, nil
}

// format is the key as Vault's read answers it (formatKeyPolicy); ctx
// derives the public keys of a derived Ed25519 key.
func (k *transitKey) format(ctx []byte) (map[string]any, error) {
	data := map[string]any{
		"name":                   k.name,
		"type":                   k.typ.String(),
		"derived":                k.derived,
		"deletion_allowed":       k.deletionAllowed,
		"min_available_version":  k.minAvailable,
		"min_decryption_version": k.minDecryption,
		"min_encryption_version": k.minEncryption,
		"latest_version":         k.latest,
		"exportable":             k.exportable,
		"allow_plaintext_backup": k.allowPlaintextBackup,
		"supports_encryption":    k.typ.encrypts(),
		"supports_decryption":    k.typ.encrypts(),
		"supports_signing":       k.typ.signs(),
		"supports_derivation":    k.typ.derives(),
		"auto_rotate_period":     int64(k.autoRotate.Seconds()),
		"imported_key":           k.imported,
	}
	if k.keySize != 0 {
		data["key_size"] = k.keySize
	}
	if k.imported {
		data["imported_key_allow_rotation"] = k.allowImportedRotation
	}
	if k.backupInfo != nil {
		data["backup_info"] = map[string]any{"time": k.backupInfo.Time, "version": k.backupInfo.Version}
	}
	if k.restoreInfo != nil {
		data["restore_info"] = map[string]any{"time": k.restoreInfo.Time, "version": k.restoreInfo.Version}
	}
	if k.derived {
		if k.kdf == kdfHKDF {
			data["kdf"] = "hkdf_sha256"
		} else {
			data["kdf"] = "hmac-sha256-counter"
			data["kdf_mode"] = "hmac-sha256-counter"
		}
		data["convergent_encryption"] = k.convergent
		if k.convergent {
			data["convergent_encryption_version"] = k.convergentVersion
		}
	}
	if k.parameterSet != "" {
		data["parameter_set"] = k.parameterSet
	}
	switch {
	case k.typ.aead() || k.typ.in(tkAES128CBC, tkAES256CBC):
		keys := map[string]int64{}
		for _, v := range k.ring() {
			keys[strconv.Itoa(v)] = k.versions[v].DeprecatedCreationTime
		}
		data["keys"] = keys
	case k.typ.signs():
		keys := map[string]map[string]any{}
		for _, v := range k.ring() {
			e := k.versions[v]
			created := e.CreationTime
			if created.IsZero() {
				created = time.Unix(e.DeprecatedCreationTime, 0).UTC()
			}
			entry := map[string]any{"name": "", "public_key": e.FormattedPublicKey, "certificate_chain": "",
				"creation_time": created, "hybrid_public_key": ""}
			if len(e.CertificateChain) > 0 {
				entry["certificate_chain"] = pemCertChain(e.CertificateChain)
			}
			switch {
			case k.typ.isECDSA():
				entry["name"] = k.typ.curve().Params().Name
			case k.typ == tkEd25519:
				entry["name"] = "ed25519"
				if k.derived {
					entry["public_key"] = ""
					if len(ctx) > 0 {
						priv, terr := k.deriveKey(ctx, v, 32)
						if terr != nil {
							return nil, tInternal("failed to derive key to return public component: %s", terr.msg)
						}
						entry["public_key"] = base64.StdEncoding.EncodeToString(ed25519.PrivateKey(priv).Public().(ed25519.PublicKey))
					}
				}
			case k.typ.isRSA():
				entry["name"] = k.typ.String()
				entry["public_key"] = pemPublicKey(e.rsaPublic())
			case k.typ == tkMLDSA:
				entry["name"] = "ml-dsa-" + k.parameterSet
			}
			keys[strconv.Itoa(v)] = entry
		}
		data["keys"] = keys
	}
	return data, nil
}

func (t *transitState) keyRead(req *request, d *fieldData) (*response, error) {
	k := t.key(d.str("name"))
	if k == nil {
		return nil, nil
	}
	var ctx []byte
	if raw := d.str("context"); raw != "" {
		var err error
		if ctx, err = base64.StdEncoding.DecodeString(raw); err != nil {
			return nil, tUser("failed to base64-decode context")
		}
	}
	data, err := k.format(ctx)
	if err != nil {
		return nil, err
	}
	return dataResp(data), nil
}

func (t *transitState) keyList(req *request, d *fieldData) (*response, error) {
	names := make([]string, 0, len(t.keys))
	for n := range t.keys {
		names = append(names, n)
	}
	sort.Strings(names)
	return listResp(names), nil
}

func (t *transitState) keyDelete(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	k := t.key(name)
	switch {
	case k == nil:
		return nil, tUser("error deleting policy %s: could not delete key; not found", name)
	case !k.deletionAllowed:
		return nil, tUser("error deleting policy %s: deletion is not allowed for this key", name)
	}
	delete(t.keys, name)
	return nil, nil
}

func (t *transitState) keyRotate(req *request, d *fieldData) (*response, error) {
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("key not found")
	}
	if k.typ == tkManaged {
		return nil, tInternal("managed keys are supported within enterprise edition only")
	}
	if terr := k.rotate(req.now); terr != nil {
		return nil, asUserOr500(terr)
	}
	data, err := k.format(nil)
	if err != nil {
		return nil, err
	}
	return dataResp(data), nil
}

// keyConfig is keys/:name/config (Vault's pathKeysConfigWrite): on an
// error nothing changes, except auto_rotate_period, which Vault does not
// roll back either.
func (t *transitState) keyConfig(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	k := t.key(name)
	if k == nil {
		return nil, tUser("no existing key named %s could be found", name)
	}
	next := *k
	var warning string
	changed := false
	if d.has("min_decryption_version") {
		v := d.integer("min_decryption_version")
		if v < 0 {
			return nil, tUser("min decryption version cannot be negative")
		}
		if v == 0 {
			v = 1
			warning = "since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1"
		}
		if v != next.minDecryption {
			if v > next.latest {
				return nil, tUser("cannot set min decryption version of %d, latest key version is %d", v, next.latest)
			}
			next.minDecryption = v
			changed = true
		}
	}
	if d.has("min_encryption_version") {
		v := d.integer("min_encryption_version")
		if v < 0 {
			return nil, tUser("min encryption version cannot be negative")
		}
		if v != next.minEncryption {
			if v > next.latest {
				return nil, tUser("cannot set min encryption version of %d, latest key version is %d", v, next.latest)
			}
			next.minEncryption = v
			changed = true
		}
	}
	if next.minEncryption > 0 && next.minEncryption < next.minDecryption {
		return nil, tUser("cannot set min encryption/decryption values; min encryption version of %d must be greater than or equal to min decryption version of %d", next.minEncryption, next.minDecryption)
	}
	if d.has("deletion_allowed") {
		if v := d.boolean("deletion_allowed", false); v != next.deletionAllowed {
			next.deletionAllowed = v
			changed = true
		}
	}
	if next.minDecryption == 0 {
		next.minDecryption = 1
		changed = true
	}
	if d.has("exportable") && d.boolean("exportable", false) && !next.exportable {
		next.exportable = true
		changed = true
	}
	if d.has("allow_plaintext_backup") && d.boolean("allow_plaintext_backup", false) && !next.allowPlaintextBackup {
		next.allowPlaintextBackup = true
		changed = true
	}
	if d.has("auto_rotate_period") {
		p := d.duration("auto_rotate_period")
		if p != 0 && p < time.Hour {
			return nil, tUser("auto rotate period must be 0 to disable or at least an hour")
		}
		if p != next.autoRotate {
			next.autoRotate = p
			k.autoRotate = p
			changed = true
		}
	}
	if changed {
		switch {
		case next.minAvailable > next.minEncryption:
			return nil, tUser("min encryption version should not be less than min available version")
		case next.minAvailable > next.minDecryption:
			return nil, tUser("min decryption version should not be less then min available version")
		}
		*k = next
	}
	data, err := k.format(nil)
	if err != nil {
		return nil, err
	}
	resp := dataResp(data)
	if warning != "" {
		resp.warnings = append(resp.warnings, warning)
	}
	return resp, nil
}

// keyTrim drops the versions below min_available_version for good.
func (t *transitState) keyTrim(req *request, d *fieldData) (*response, error) {
	k := t.key(d.str("name"))
	if k == nil {
		return nil, tUser("invalid key name")
	}
	if !d.has("min_available_version") {
		return nil, tUser("missing min_available_version")
	}
	v := d.integer("min_available_version")
	switch {
	case v < k.minAvailable:
		return nil, tUser("minimum available version cannot be decremented")
	case k.minEncryption == 0:
		return nil, tUser("minimum available version cannot be set when minimum encryption version is not set")
	case k.minDecryption == 0:
		return nil, tUser("minimum available version cannot be set when minimum decryption version is not set")
	case v > k.minEncryption:
		return nil, tUser("minimum available version cannot be greater than minmum encryption version")
	case v > k.minDecryption:
		return nil, tUser("minimum available version cannot be greater than minimum decryption version")
	case v < 0:
		return nil, tUser("minimum available version cannot be negative")
	case v == 0:
		return nil, tUser("minimum available version should be positive")
	}
	k.minAvailable = v
	for ver := range k.versions {
		if ver < v {
			delete(k.versions, ver)
		}
	}
	data, err := k.format(nil)
	if err != nil {
		return nil, err
	}
	return dataResp(data), nil
}

func (t *transitState) cacheConfigRead(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{"size": t.cacheSize}), nil
}

func (t *transitState) cacheConfigWrite(req *request, d *fieldData) (*response, error) {
	size := d.integer("size")
	if size != 0 && size < 10 {
		return nil, tUser("size must be 0 or a value greater or equal to %d", 10)
	}
	t.cacheSize = size
	return dataResp(map[string]any{"size": size}), nil
}

func (t *transitState) configKeysRead(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{"disable_upsert": t.disableUpsert}), nil
}

func (t *transitState) configKeysWrite(req *request, d *fieldData) (*response, error) {
	t.disableUpsert = d.boolean("disable_upsert", false)
	return dataResp(map[string]any{"disable_upsert": t.disableUpsert}), nil
}
