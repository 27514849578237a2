package mockvault

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// secretIDEntry is a secret ID as Vault stores it (secretIDStorageEntry).
// The secret itself is never kept: only its HMAC, as the map key.
type secretIDEntry struct {
	hmac           string // HMAC-SHA256 of the secret ID under the role's key
	Accessor       string
	NumUses        int
	TTL            time.Duration // as requested (lookup shows this one)
	CreationTime   time.Time
	ExpirationTime time.Time // zero: never expires
	// removeAt is when Vault's periodic tidy (once a minute, counted from
	// the mount's start) deletes the entry after it expired. Vault's login
	// does not look at ExpirationTime: until then an expired secret ID
	// still works.
	removeAt        time.Time
	LastUpdatedTime time.Time
	Metadata        map[string]string
	CIDRList        []string
	TokenBoundCIDRs []string
}

func (e *secretIDEntry) clone() *secretIDEntry {
	cp := *e
	cp.Metadata = make(map[string]string, len(e.Metadata))
	for k, v := range e.Metadata {
		cp.Metadata[k] = v
	}
	cp.CIDRList = cloneStrings(e.CIDRList)
	cp.TokenBoundCIDRs = cloneStrings(e.TokenBoundCIDRs)
	return &cp
}

var secretIDGenFields = fields{
	"role_name": tString, "metadata": tString, "cidr_list": tCommaSlice,
	"token_bound_cidrs": tCommaSlice, "num_uses": tInt, "ttl": tDuration,
}

var customSecretIDFields = fields{
	"role_name": tString, "secret_id": tString, "metadata": tString, "cidr_list": tCommaSlice,
	"token_bound_cidrs": tCommaSlice, "num_uses": tInt, "ttl": tDuration,
}

// roleHMAC is the HMAC of the role's name under its key: the bucket of
// the role's secret IDs.
func (r *appRole) roleHMAC() string {
	h, _ := createHMAC(r.HMACKey, r.name)
	return h
}

// expired reports whether the periodic tidy has deleted the expired secret
// ID by now (see removeAt).
func (e *secretIDEntry) expired(now time.Time) bool {
	return !e.removeAt.IsZero() && !now.Before(e.removeAt)
}

// pastExpiry reports whether the secret ID's TTL ran out: what an explicit
// tidy/secret-id removes.
func (e *secretIDEntry) pastExpiry(now time.Time) bool {
	return !e.ExpirationTime.IsZero() && now.After(e.ExpirationTime)
}

// approleTidyPeriod is how often Vault's AppRole backend tidies secret IDs.
const approleTidyPeriod = time.Minute

// nextTidy is the first periodic tidy strictly after t for a mount that
// started at start.
func nextTidy(start, t time.Time) time.Time {
	if start.IsZero() {
		start = t
	}
	if !t.After(start) {
		return start.Add(approleTidyPeriod)
	}
	n := t.Sub(start)/approleTidyPeriod + 1
	return start.Add(n * approleTidyPeriod)
}

// secretEntry returns the live secret ID stored under (local, roleHMAC,
// sidHMAC), deleting it first if it has expired.
func (b *approleBackend) secretEntry(local bool, roleHMAC, sidHMAC string, now time.Time) *secretIDEntry {
	bucket := b.secrets[local][roleHMAC]
	e := bucket[sidHMAC]
	if e == nil {
		return nil
	}
	if e.expired(now) {
		b.deleteSecret(local, roleHMAC, sidHMAC)
		return nil
	}
	return e
}

// deleteSecret removes a secret ID and its accessor entry.
func (b *approleBackend) deleteSecret(local bool, roleHMAC, sidHMAC string) {
	bucket := b.secrets[local][roleHMAC]
	if e := bucket[sidHMAC]; e != nil {
		delete(b.accessors[local], e.Accessor)
	}
	delete(bucket, sidHMAC)
	if len(bucket) == 0 {
		delete(b.secrets[local], roleHMAC)
	}
}

func (b *approleBackend) secretIDGenerate(req *request, d *fieldData) (*response, error) {
	return b.registerSecretID(req, d, newUUID())
}

func (b *approleBackend) secretIDCustom(req *request, d *fieldData) (*response, error) {
	return b.registerSecretID(req, d, d.str("secret_id"))
}

// registerSecretID is handleRoleSecretIDCommon: generate or assign a
// secret ID against a role.
func (b *approleBackend) registerSecretID(req *request, d *fieldData, secretID string) (*response, error) {
	roleName := d.str("role_name")
	if secretID == "" {
		return nil, badRequest("missing secret_id")
	}
	r, err := b.roleChecked(roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errUnsupportedPathMsg(fmt.Sprintf("role %q does not exist", roleName))
	}
	if !r.BindSecretID {
		return nil, badRequest("bind_secret_id is not set on the role")
	}
	cidrs := d.strings("cidr_list")
	if cidrs == nil {
		cidrs = []string{}
	}
	if len(cidrs) != 0 {
		if _, err := validateCIDRListSlice(cidrs); err != nil {
			return nil, internalError("failed to validate CIDR blocks: %v", err)
		}
	}
	if err := verifyCIDRSubset(cidrs, cloneStrings(r.SecretIDBoundCIDRs)); err != nil {
		return nil, internalError("%s", err.Error())
	}
	tokenCIDRs := d.strings("token_bound_cidrs")
	if tokenCIDRs == nil {
		tokenCIDRs = []string{}
	}
	if len(tokenCIDRs) != 0 {
		if _, err := validateCIDRListSlice(tokenCIDRs); err != nil {
			return nil, internalError("failed to validate token CIDR blocks: %v", err)
		}
	}
	if err := verifyCIDRSubset(tokenCIDRs, cloneStrings(r.TokenBoundCIDRs)); err != nil {
		return nil, internalError("%s", err.Error())
	}

	numUses := r.SecretIDNumUses
	if d.has("num_uses") {
		numUses = d.integer("num_uses")
		if numUses < 0 {
			return nil, badRequest("num_uses cannot be negative")
		}
		if (numUses == 0 && r.SecretIDNumUses > 0) || (r.SecretIDNumUses > 0 && numUses > r.SecretIDNumUses) {
			return nil, badRequest("num_uses cannot be higher than the role's secret_id_num_uses")
		}
	}
	ttl := r.SecretIDTTL
	if d.has("ttl") {
		ttl = d.duration("ttl")
		if (ttl == 0 && r.SecretIDTTL > 0) || (r.SecretIDTTL > 0 && ttl > r.SecretIDTTL) {
			return nil, badRequest("ttl cannot be longer than the role's secret_id_ttl")
		}
	}
	meta := map[string]string{}
	if err := parseArbitraryKeyValues(d.str("metadata"), meta); err != nil {
		return nil, badRequest("failed to parse metadata: %v", err)
	}

	sidHMAC, err := createHMAC(r.HMACKey, secretID)
	if err != nil {
		return nil, internalError("failed to store secret_id: failed to create HMAC of secret ID: %v", err)
	}
	roleHMAC := r.roleHMAC()
	if b.secretEntry(r.localSecretIDs, roleHMAC, sidHMAC, req.now) != nil {
		return nil, internalError("failed to store secret_id: SecretID is already registered")
	}
	e := &secretIDEntry{
		hmac: sidHMAC, Accessor: newUUID(), NumUses: numUses, TTL: ttl, CreationTime: req.now,
		LastUpdatedTime: req.now, Metadata: meta, CIDRList: cidrs, TokenBoundCIDRs: tokenCIDRs,
	}
	effTTL := deriveSecretIDTTL(ttl, maxLeaseTTL(req))
	if effTTL != 0 {
		e.ExpirationTime = req.now.Add(effTTL)
		e.removeAt = nextTidy(b.started, e.ExpirationTime)
	}
	if b.secrets[r.localSecretIDs][roleHMAC] == nil {
		b.secrets[r.localSecretIDs][roleHMAC] = map[string]*secretIDEntry{}
	}
	b.secrets[r.localSecretIDs][roleHMAC][sidHMAC] = e
	b.accessors[r.localSecretIDs][e.Accessor] = sidHMAC
	return dataResp(map[string]any{
		"secret_id":          secretID,
		"secret_id_accessor": e.Accessor,
		"secret_id_ttl":      int64(effTTL / time.Second),
		"secret_id_num_uses": e.NumUses,
	}), nil
}

// deriveSecretIDTTL caps a secret ID TTL at the mount's max lease TTL.
func deriveSecretIDTTL(ttl, max time.Duration) time.Duration {
	if ttl < 0 || ttl > max {
		return max
	}
	return ttl
}

// secretIDList lists the accessors of a role's secret IDs, in the order of
// their HMACs (Vault's storage order).
func (b *approleBackend) secretIDList(req *request, d *fieldData) (*response, error) {
	roleName := d.str("role_name")
	r, err := b.roleChecked(roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, badRequest("role %q does not exist", roleName)
	}
	roleHMAC := r.roleHMAC()
	hmacs := make([]string, 0, len(b.secrets[r.localSecretIDs][roleHMAC]))
	for h := range b.secrets[r.localSecretIDs][roleHMAC] {
		hmacs = append(hmacs, h)
	}
	sort.Strings(hmacs)
	var keys []string
	for _, h := range hmacs {
		if e := b.secretEntry(r.localSecretIDs, roleHMAC, h, req.now); e != nil {
			keys = append(keys, e.Accessor)
		}
	}
	return listResp(keys), nil
}

// responseData is the lookup view of a secret ID (ToResponseData).
func (e *secretIDEntry) responseData() map[string]any {
	tb := e.TokenBoundCIDRs
	if len(tb) == 0 {
		tb = []string{}
	}
	meta := e.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	return map[string]any{
		"secret_id_accessor": e.Accessor,
		"secret_id_num_uses": e.NumUses,
		"secret_id_ttl":      int64(e.TTL / time.Second),
		"creation_time":      e.CreationTime.UTC(),
		"expiration_time":    e.ExpirationTime.UTC(),
		"last_updated_time":  e.LastUpdatedTime.UTC(),
		"metadata":           meta,
		"cidr_list":          e.CIDRList,
		"token_bound_cidrs":  tb,
	}
}

// secretIDByValue finds the live entry of secretID under role r. Map
// lookup is by HMAC, and the stored HMAC is compared again in constant
// time.
func (b *approleBackend) secretIDByValue(r *appRole, secretID string, now time.Time) (sidHMAC string, e *secretIDEntry, err error) {
	sidHMAC, err = createHMAC(r.HMACKey, secretID)
	if err != nil {
		return "", nil, internalError("failed to create HMAC of secret_id: %v", err)
	}
	e = b.secretEntry(r.localSecretIDs, r.roleHMAC(), sidHMAC, now)
	if e == nil || subtle.ConstantTimeCompare([]byte(e.hmac), []byte(sidHMAC)) != 1 {
		return sidHMAC, nil, nil
	}
	return sidHMAC, e, nil
}

func (b *approleBackend) secretIDLookup(req *request, d *fieldData) (*response, error) {
	roleName := d.str("role_name")
	secretID := d.str("secret_id")
	if secretID == "" {
		return nil, badRequest("missing secret_id")
	}
	r, err := b.roleChecked(roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, internalError("role %q does not exist", roleName)
	}
	_, e, err := b.secretIDByValue(r, secretID, req.now)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, nil
	}
	return dataResp(e.responseData()), nil
}

func (b *approleBackend) secretIDDestroy(req *request, d *fieldData) (*response, error) {
	roleName := d.str("role_name")
	secretID := d.str("secret_id")
	if req.op == opDelete {
		// Vault reads a DELETE's parameters from the query string only.
		secretID = queryParam(req, "secret_id")
	}
	if secretID == "" {
		return nil, badRequest("missing secret_id")
	}
	r, err := b.roleChecked(roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, internalError("role %q does not exist", roleName)
	}
	sidHMAC, e, err := b.secretIDByValue(r, secretID, req.now)
	if err != nil {
		return nil, err
	}
	if e != nil {
		b.deleteSecret(r.localSecretIDs, r.roleHMAC(), sidHMAC)
	}
	return nil, nil
}

// secretIDByAccessor resolves an accessor of role r: found reports whether
// the (mount-wide) accessor index knows it, e whether the secret ID is
// one of r's.
func (b *approleBackend) secretIDByAccessor(r *appRole, accessor string, now time.Time) (found bool, sidHMAC string, e *secretIDEntry) {
	sidHMAC, found = b.accessors[r.localSecretIDs][accessor]
	if !found {
		return false, "", nil
	}
	bucket := b.secrets[r.localSecretIDs][r.roleHMAC()]
	if st := bucket[sidHMAC]; st != nil && st.expired(now) {
		// Tidy would have removed both the entry and its accessor.
		b.deleteSecret(r.localSecretIDs, r.roleHMAC(), sidHMAC)
		return false, "", nil
	}
	return true, sidHMAC, bucket[sidHMAC]
}

func (b *approleBackend) secretIDAccessorLookup(req *request, d *fieldData) (*response, error) {
	roleName := d.str("role_name")
	acc := d.str("secret_id_accessor")
	if acc == "" {
		return nil, badRequest("missing secret_id_accessor")
	}
	r, err := b.roleChecked(roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, internalError("role %q does not exist", roleName)
	}
	found, _, e := b.secretIDByAccessor(r, acc, req.now)
	if !found {
		return rawVaultBody(http.StatusNotFound, map[string]any{
			"error": fmt.Sprintf("failed to find accessor entry for secret_id_accessor: %q", acc),
		}, nil), nil
	}
	if e == nil {
		return nil, nil
	}
	return dataResp(e.responseData()), nil
}

func (b *approleBackend) secretIDAccessorDestroy(req *request, d *fieldData) (*response, error) {
	roleName := d.str("role_name")
	acc := d.str("secret_id_accessor")
	if req.op == opDelete {
		acc = queryParam(req, "secret_id_accessor")
	}
	if acc == "" {
		return nil, badRequest("missing secret_id_accessor")
	}
	r, err := b.roleChecked(roleName)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, internalError("role %q does not exist", roleName)
	}
	found, sidHMAC, e := b.secretIDByAccessor(r, acc, req.now)
	if !found {
		return nil, internalError("failed to find accessor entry for secret_id_accessor: %q", acc)
	}
	if e == nil {
		return nil, errCode(http.StatusForbidden, "invalid secret id accessor")
	}
	b.deleteSecret(r.localSecretIDs, r.roleHMAC(), sidHMAC)
	return nil, nil
}

// tidySecretIDs is POST tidy/secret-id: drop expired secret IDs, secret
// IDs without an accessor entry and accessor entries without a secret ID.
// Vault runs it in the background and answers 202 at once; the mock is
// done by the time it answers.
func (b *approleBackend) tidySecretIDs(req *request, d *fieldData) (*response, error) {
	for _, local := range []bool{false, true} {
		live := map[string]bool{}
		for roleHMAC, bucket := range b.secrets[local] {
			for sidHMAC, e := range bucket {
				if _, ok := b.accessors[local][e.Accessor]; !ok || e.pastExpiry(req.now) {
					b.deleteSecret(local, roleHMAC, sidHMAC)
					continue
				}
				live[sidHMAC] = true
			}
		}
		for acc, sidHMAC := range b.accessors[local] {
			if !live[sidHMAC] {
				delete(b.accessors[local], acc)
			}
		}
	}
	return &response{
		status: http.StatusAccepted, noMountType: true,
		warnings: []string{"Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."},
	}, nil
}

// verifyCIDRSubset is verifyCIDRRoleSecretIDSubset: every CIDR of a
// secret ID must lie in one of the role's (bare role IPs count as /32).
func verifyCIDRSubset(secretCIDRs, roleCIDRs []string) error {
	if len(secretCIDRs) == 0 || len(roleCIDRs) == 0 {
		return nil
	}
	for i, blk := range roleCIDRs {
		if !strings.Contains(blk, "/") {
			roleCIDRs[i] = blk + "/32"
		}
	}
	ok, err := subsetBlocks(roleCIDRs, secretCIDRs)
	if !ok || err != nil {
		return fmt.Errorf("failed to verify subset relationship between CIDR blocks on the role %q and CIDR blocks on the secret ID %q: %w", roleCIDRs, secretCIDRs, err)
	}
	return nil
}

// subsetBlocks is cidrutil.SubsetBlocks.
func subsetBlocks(outer, inner []string) (bool, error) {
	for _, in := range inner {
		found := false
		for _, out := range outer {
			ok, err := cidrSubset(out, in)
			if err != nil {
				return false, err
			}
			if ok {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// cidrSubset is cidrutil.Subset: is cidr2 inside cidr1?
func cidrSubset(cidr1, cidr2 string) (bool, error) {
	ip1, net1, err := net.ParseCIDR(cidr1)
	if err != nil {
		return false, fmt.Errorf("failed to parse the CIDR to be checked against: %w", err)
	}
	m1, _ := net1.Mask.Size()
	if !ip1.IsUnspecified() && m1 == 0 {
		return false, fmt.Errorf("CIDR to be checked against is not in its canonical form")
	}
	ip2, net2, err := net.ParseCIDR(cidr2)
	if err != nil {
		return false, fmt.Errorf("failed to parse the CIDR that needs to be checked: %w", err)
	}
	m2, _ := net2.Mask.Size()
	if !ip2.IsUnspecified() && m2 == 0 {
		return false, fmt.Errorf("CIDR that needs to be checked is not in its canonical form")
	}
	if m2 < m1 {
		return false, nil
	}
	return net1.Contains(net2.IP), nil
}

// ipInCIDRs is cidrutil.IPBelongsToCIDRBlocksSlice.
func ipInCIDRs(ip string, cidrs []string) (bool, error) {
	if ip == "" {
		return false, fmt.Errorf("missing IP address")
	}
	if len(cidrs) == 0 {
		return false, fmt.Errorf("missing CIDR blocks to be checked against")
	}
	addr := net.ParseIP(ip)
	if addr == nil {
		return false, fmt.Errorf("invalid IP address")
	}
	for _, c := range cidrs {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			return false, err
		}
		if n.Contains(addr) {
			return true, nil
		}
	}
	return false, nil
}

// parseArbitraryKeyValues is strutil.ParseArbitraryKeyValues: metadata as
// JSON, base64 of JSON, or "k=v,k2=v2" (lower-cased, as Vault does).
func parseArbitraryKeyValues(input string, out map[string]string) error {
	input = strings.TrimSpace(input)
	if input == "" {
		return nil
	}
	if dec, err := base64.StdEncoding.DecodeString(input); err == nil {
		input = string(dec)
	}
	if err := json.Unmarshal([]byte(input), &out); err != nil {
		if err := parseKeyValues(input, out); err != nil {
			return fmt.Errorf("failed to parse the input: %w", err)
		}
	}
	for k, v := range out {
		if k != "" && v == "" {
			return fmt.Errorf("invalid value for key %q", k)
		}
	}
	return nil
}

func parseKeyValues(input string, out map[string]string) error {
	seen := map[string]bool{}
	var pairs []string
	for _, p := range strings.Split(input, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		pairs = append(pairs, p)
	}
	sort.Strings(pairs)
	for _, kv := range pairs {
		shards := strings.Split(kv, "=")
		if len(shards) != 2 {
			return fmt.Errorf("invalid <key,value> format")
		}
		k, v := strings.TrimSpace(shards[0]), strings.TrimSpace(shards[1])
		if k == "" || v == "" {
			return fmt.Errorf("invalid <key,value> pair: key: %q value: %q", k, v)
		}
		out[k] = v
	}
	return nil
}

// queryParam reads a query-string parameter of the HTTP request.
func queryParam(req *request, k string) string {
	if req.http == nil {
		return ""
	}
	return req.http.URL.Query().Get(k)
}
