package mockvault

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strconv"
	"strings"
	"time"
)

// Transit random bytes, hash, export, backup and restore.

// random is random[/:source][/:bytes], Vault's HandleRandomAPI as
// sys/tools/random has it.
func (t *transitState) random(req *request, d *fieldData) (*response, error) {
	return randomAPI(d)
}

// hash is hash[/:algorithm]: sys/tools/hash with an input required.
func (t *transitState) hash(req *request, d *fieldData) (*response, error) {
	if !d.has("input") {
		return nil, tUser("input missing")
	}
	return hashAPI(d)
}

// export is export/:type/:name[/:version].
func (t *transitState) export(req *request, d *fieldData) (*response, error) {
	typ, name, version := d.str("type"), d.str("name"), d.str("version")
	switch typ {
	case "encryption-key", "signing-key", "hmac-key", "public-key", "certificate-chain":
	case "cmac-key":
		return nil, tUser("key type cmac-key is only available in enterprise versions of Vault")
	default:
		return nil, tUser("invalid export type: %s", typ)
	}
	k := t.key(name)
	if k == nil {
		return nil, nil
	}
	if !k.exportable && typ != "public-key" && typ != "certificate-chain" {
		return nil, tUser("private key material is not exportable")
	}
	switch {
	case typ == "encryption-key" && !k.typ.encrypts():
		return nil, tUser("encryption not supported for the key")
	case typ == "signing-key" && !k.typ.signs():
		return nil, tUser("signing not supported for the key")
	case typ == "certificate-chain" && !k.typ.signs():
		return nil, tUser("certificate chain not supported for keys that do not support signing")
	}
	out := map[string]string{}
	if version == "" {
		for _, v := range k.ring() {
			s, err := k.exportKey(k.versions[v], typ)
			if err != nil {
				return nil, err
			}
			out[strconv.Itoa(v)] = s
		}
	} else {
		var v int
		if version == "latest" {
			v = k.latest
		} else {
			var err error
			if v, err = strconv.Atoi(strings.TrimPrefix(version, "v")); err != nil {
				return nil, tUser("invalid key version")
			}
		}
		if v < k.minDecryption {
			return nil, tUser("version for export is below minimum decryption version")
		}
		e, terr := k.entry(v)
		if terr != nil {
			return nil, tUser("version does not exist or cannot be found")
		}
		s, err := k.exportKey(e, typ)
		if err != nil {
			return nil, err
		}
		out[strconv.Itoa(v)] = s
	}
	return dataResp(map[string]any{"name": k.name, "type": k.typ.String(), "keys": out}), nil
}

// exportKey is one version's key material in Vault's export format.
func (k *transitKey) exportKey(e *transitKeyEntry, typ string) (string, error) {
	switch typ {
	case "hmac-key":
		src := e.HMACKey
		if k.typ == tkHMAC {
			src = e.Key
		}
		return base64.StdEncoding.EncodeToString(src), nil
	case "encryption-key":
		switch {
		case k.typ.aead() || k.typ.in(tkAES128CBC, tkAES256CBC):
			return base64.StdEncoding.EncodeToString(e.Key), nil
		case k.typ.isRSA():
			return pemRSAPrivate(e), nil
		}
	case "signing-key":
		switch {
		case k.typ.isECDSA():
			if e.privateMissing() {
				return "", nil
			}
			der, err := x509.MarshalECPrivateKey(e.ecdsaPrivate(k.typ.curve()))
			if err != nil {
				return "", tInternal("%s", err)
			}
			return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))), nil
		case k.typ == tkEd25519:
			if len(e.Key) == 0 {
				return "", nil
			}
			return base64.StdEncoding.EncodeToString(e.Key), nil
		case k.typ.isRSA():
			return pemRSAPrivate(e), nil
		}
	case "public-key":
		switch {
		case k.typ.isECDSA():
			return strings.TrimSpace(pemPublicKey(e.ecdsaPublic(k.typ.curve()))), nil
		case k.typ == tkEd25519:
			return strings.TrimSpace(e.FormattedPublicKey), nil
		case k.typ.isRSA():
			return pemPublicKey(e.rsaPublic()), nil
		}
	case "certificate-chain":
		if e.CertificateChain == nil {
			return "", tInternal("selected key version does not have a certificate chain imported")
		}
		return pemCertChain(e.CertificateChain), nil
	}
	return "", tInternal("unknown key type %v for export type %v", k.typ, typ)
}

func pemRSAPrivate(e *transitKeyEntry) string {
	if e.RSAKey == nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(e.RSAKey)}))
}

func pemCertChain(chain [][]byte) string {
	var certs []string
	for _, der := range chain {
		certs = append(certs, strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))))
	}
	return strings.Join(certs, "\n")
}

// transitBackupPolicy is a key in Vault's backup format (keysutil.Policy's
// JSON), so backups move between the mock and Vault.
type transitBackupPolicy struct {
	Name                     string                      `json:"name"`
	Key                      []byte                      `json:"key,omitempty"`
	KeySize                  int                         `json:"key_size,omitempty"`
	Keys                     map[string]*transitKeyEntry `json:"keys"`
	Derived                  bool                        `json:"derived"`
	KDF                      int                         `json:"kdf"`
	ConvergentEncryption     bool                        `json:"convergent_encryption"`
	Exportable               bool                        `json:"exportable"`
	MinDecryptionVersion     int                         `json:"min_decryption_version"`
	MinEncryptionVersion     int                         `json:"min_encryption_version"`
	LatestVersion            int                         `json:"latest_version"`
	ArchiveVersion           int                         `json:"archive_version"`
	ArchiveMinVersion        int                         `json:"archive_min_version"`
	MinAvailableVersion      int                         `json:"min_available_version"`
	DeletionAllowed          bool                        `json:"deletion_allowed"`
	ConvergentVersion        int                         `json:"convergent_version"`
	Type                     tkType                      `json:"type"`
	BackupInfo               *transitOpInfo              `json:"backup_info"`
	RestoreInfo              *transitOpInfo              `json:"restore_info"`
	AllowPlaintextBackup     bool                        `json:"allow_plaintext_backup"`
	VersionTemplate          string                      `json:"version_template"`
	StoragePrefix            string                      `json:"storage_prefix"`
	AutoRotatePeriod         time.Duration               `json:"auto_rotate_period"`
	Imported                 bool                        `json:"Imported"`
	AllowImportedKeyRotation bool                        `json:"AllowImportedKeyRotation"`
	ParameterSet             string                      `json:"ParameterSet"`
	HybridConfig             struct {
		PQCKeyType int `json:"PQCKeyType"`
		ECKeyType  int `json:"ECKeyType"`
	} `json:"HybridConfig"`
}

type transitBackup struct {
	Policy       *transitBackupPolicy `json:"policy"`
	ArchivedKeys *struct {
		Keys []*transitKeyEntry `json:"keys"`
	} `json:"archived_keys"`
}

// backup is backup/:name: the key with every version, base64 JSON in
// Vault's format; the key records when it was backed up.
func (t *transitState) backup(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	k := t.key(name)
	switch {
	case k == nil:
		return nil, tInternal("key %q not found", name)
	case !k.exportable:
		return nil, tInternal("exporting is disallowed on the policy")
	case !k.allowPlaintextBackup:
		return nil, tInternal("plaintext backup is disallowed on the policy")
	}
	k.backupInfo = &transitOpInfo{Time: req.now, Version: k.latest}
	p := &transitBackupPolicy{
		Name: k.name, KeySize: k.keySize, Keys: map[string]*transitKeyEntry{}, Derived: k.derived, KDF: k.kdf,
		ConvergentEncryption: k.convergent, Exportable: k.exportable, MinDecryptionVersion: k.minDecryption,
		MinEncryptionVersion: k.minEncryption, LatestVersion: k.latest, ArchiveVersion: k.latest,
		ArchiveMinVersion: k.minAvailable, MinAvailableVersion: k.minAvailable, DeletionAllowed: k.deletionAllowed,
		ConvergentVersion: k.convergentVersion, Type: k.typ, BackupInfo: k.backupInfo, RestoreInfo: k.restoreInfo,
		AllowPlaintextBackup: k.allowPlaintextBackup, AutoRotatePeriod: k.autoRotate, Imported: k.imported,
		AllowImportedKeyRotation: k.allowImportedRotation, ParameterSet: k.parameterSet,
	}
	for _, v := range k.ring() {
		p.Keys[strconv.Itoa(v)] = k.versions[v]
	}
	b := transitBackup{Policy: p}
	b.ArchivedKeys = &struct {
		Keys []*transitKeyEntry `json:"keys"`
	}{}
	for v := k.minAvailable; v <= k.latest; v++ {
		e := k.versions[v]
		if e == nil {
			e = &transitKeyEntry{}
		}
		b.ArchivedKeys.Keys = append(b.ArchivedKeys.Keys, e)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, tInternal("%s", err)
	}
	return dataResp(map[string]any{"backup": base64.StdEncoding.EncodeToString(raw)}), nil
}

// restore is restore[/:name]: a backup (the mock's or Vault's) as a key,
// under its own name or the one in the path.
func (t *transitState) restore(req *request, d *fieldData) (*response, error) {
	raw := d.str("backup")
	force := d.boolean("force", false)
	if raw == "" {
		return nil, tUser("'backup' must be supplied")
	}
	name := d.str("name")
	if strings.Contains(name, "/") {
		return nil, tInternal("key names cannot be paths")
	}
	b64, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, tInternal("%s", err)
	}
	var b transitBackup
	dec := json.NewDecoder(bytes.NewReader(b64))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		return nil, tInternal("%s", err)
	}
	if b.Policy == nil {
		return nil, tInternal("invalid backup: no key in it")
	}
	p := b.Policy
	if name != "" {
		p.Name = name
	}
	name = p.Name
	if t.keys[name] != nil && !force {
		return nil, tInternal("key %q already exists", name)
	}
	k := &transitKey{
		name: name, typ: p.Type, derived: p.Derived, kdf: p.KDF, convergent: p.ConvergentEncryption,
		convergentVersion: p.ConvergentVersion, exportable: p.Exportable, deletionAllowed: p.DeletionAllowed,
		allowPlaintextBackup: p.AllowPlaintextBackup, minDecryption: p.MinDecryptionVersion,
		minEncryption: p.MinEncryptionVersion, minAvailable: p.MinAvailableVersion, latest: p.LatestVersion,
		keySize: p.KeySize, autoRotate: p.AutoRotatePeriod, backupInfo: p.BackupInfo,
		imported: p.Imported, allowImportedRotation: p.AllowImportedKeyRotation, parameterSet: p.ParameterSet,
		versions: map[int]*transitKeyEntry{},
	}
	if p.Type < 0 || int(p.Type) >= len(tkTypeNames) {
		return nil, tInternal("failed to restore the policy %q: unsupported key type %d", name, p.Type)
	}
	if b.ArchivedKeys != nil {
		for i, e := range b.ArchivedKeys.Keys {
			v := i + p.MinAvailableVersion
			if e != nil && v >= 1 && v <= p.LatestVersion && !e.CreationTime.IsZero() {
				k.versions[v] = e
			}
		}
	}
	for s, e := range p.Keys {
		if v, err := strconv.Atoi(s); err == nil && e != nil {
			k.versions[v] = e
		}
	}
	for _, e := range k.versions {
		if e.RSAKey != nil {
			e.RSAKey.Precompute()
			e.RSAPublicKey = &e.RSAKey.PublicKey
		}
	}
	if k.minDecryption == 0 {
		k.minDecryption = 1
	}
	if k.latest < 1 || k.versions[k.latest] == nil {
		return nil, tInternal("failed to restore the policy %q: latest version of %d is less than 1", name, k.latest)
	}
	k.restoreInfo = &transitOpInfo{Time: req.now, Version: k.latest}
	t.keys[name] = k
	return nil, nil
}
