package mockvault

import (
	"bytes"
	"encoding/json"
	"net/http"
	pathpkg "path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
)

// The KV secrets engine, version 1 (passthrough) and version 2 (versioned),
// as vault-plugin-secrets-kv serves them. secret/ is mounted as KV v2 when
// the server starts, as in dev mode.
//
// Each KV mount has its own data (a *kvData, made by kvEngine), so two
// mounts or servers never share secrets. Handlers receive it with the
// request (req.state) and never keep it: Restore swaps it for a copy. The
// router itself holds no data and no *mount, so Snapshot and Restore may
// share it.
func kvEngine() *engine {
	return &engine{
		typ: "kv", routes: func(s *Server, m *mount) *backend { return s.kvBackend(m.path) },
		state: func(*Server) engineState { return newKVData() },
		dev:   []mount{{path: "secret/", typ: "kv", description: "key/value secret storage", options: map[string]string{"version": "2"}}},
	}
}

// kvData is the state of one KV mount. The mount's options say which
// version is served; a v1 mount tuned to version 2 is upgraded in place.
type kvData struct {
	v1   map[string]map[string]any
	v2   map[string]*kvMeta
	conf kvConfig
}

func newKVData() *kvData {
	return &kvData{v1: map[string]map[string]any{}, v2: map[string]*kvMeta{}}
}

// cloneState deep-copies the data for Snapshot/Restore.
func (k *kvData) cloneState() engineState {
	out := &kvData{
		v1:   make(map[string]map[string]any, len(k.v1)),
		v2:   make(map[string]*kvMeta, len(k.v2)),
		conf: k.conf,
	}
	for key, data := range k.v1 {
		out.v1[key] = deepCopyJSON(data)
	}
	for key, m := range k.v2 {
		out.v2[key] = m.clone()
	}
	return out
}

func (a *kvAttribution) clone() *kvAttribution {
	if a == nil {
		return nil
	}
	cp := *a
	return &cp
}

func (v *kvVersion) clone() *kvVersion {
	cp := *v
	if v.deletion != nil {
		t := *v.deletion
		cp.deletion = &t
	}
	cp.data = bytes.Clone(v.data)
	cp.createdBy = v.createdBy.clone()
	cp.deletedBy = v.deletedBy.clone()
	return &cp
}

func (m *kvMeta) clone() *kvMeta {
	cp := *m
	if m.custom != nil {
		cp.custom = make(map[string]string, len(m.custom))
		for k, v := range m.custom {
			cp.custom[k] = v
		}
	}
	if m.versions != nil {
		cp.versions = make(map[uint64]*kvVersion, len(m.versions))
		for n, v := range m.versions {
			cp.versions[n] = v.clone()
		}
	}
	cp.lastUpdatedBy = m.lastUpdatedBy.clone()
	return &cp
}

// kvStore is the view of one request on a KV mount: the mount serving it
// and that mount's data.
type kvStore struct {
	m *mount
	*kvData
}

// kvStoreFor is the request's view of its KV mount.
func kvStoreFor(req *request) *kvStore {
	return &kvStore{m: req.mount, kvData: req.state.(*kvData)}
}

type kvConfig struct {
	maxVersions uint32
	casRequired bool
	// dva is delete_version_after: 0 unset, -1s disabled.
	dva time.Duration
}

type kvAttribution struct {
	Actor     string `json:"actor,omitempty"`
	Operation string `json:"operation,omitempty"`
	EntityID  string `json:"entity_id,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
}

type kvVersion struct {
	created   time.Time
	deletion  *time.Time
	destroyed bool
	data      []byte
	createdBy *kvAttribution
	deletedBy *kvAttribution
}

type kvMeta struct {
	key             string
	current, oldest uint64
	created         time.Time
	updated         time.Time
	maxVersions     uint32
	casRequired     bool
	dva             time.Duration
	custom          map[string]string
	versions        map[uint64]*kvVersion
	lastUpdatedBy   *kvAttribution
}

// kvVersionOf is the KV version a mount serves (0 for no mount).
func kvVersionOf(m *mount) int {
	switch {
	case m == nil:
		return 0
	case m.options["version"] == "2":
		return 2
	}
	return 1
}

func kvUnsupported(*request, *fieldData) (*response, error) { return nil, errUnsupportedOp }

// allOps fills every operation the path does not serve with a 405, so the
// first pattern matching a path answers, as in Vault's framework.
func allOps(ops map[op]handlerFunc) map[op]handlerFunc {
	for _, o := range []op{opRead, opList, opUpdate, opDelete, opPatch} {
		if _, ok := ops[o]; !ok {
			ops[o] = kvUnsupported
		}
	}
	return ops
}

// kvBackend builds the routes of both versions; each route only matches
// while the mount at mountPath serves its version. The mount is looked up
// in s.mounts when routing (under s.mu, as every request is), never kept:
// Restore and tune replace the mount entry.
func (s *Server) kvBackend(mountPath string) *backend {
	var paths []*path
	// h and ex give a handler the KV data of the request's mount.
	h := func(fn func(*kvStore, *request, *fieldData) (*response, error)) handlerFunc {
		return func(req *request, d *fieldData) (*response, error) {
			return fn(kvStoreFor(req), req, d)
		}
	}
	ex := func(fn func(*kvStore, *request, *fieldData) (bool, error)) func(*request, *fieldData) (bool, error) {
		return func(req *request, d *fieldData) (bool, error) {
			return fn(kvStoreFor(req), req, d)
		}
	}
	// Each version's routes live under a prefix ("_v1/", "_v2/") that
	// match adds from the mount's current version, so the router is the
	// same for every KV mount and shared (newBackend caches it).
	add := func(version int, p *path) {
		p.pattern = "_v" + strconv.Itoa(version) + "/" + p.pattern
		paths = append(paths, p)
	}
	add(1, &path{pattern: "{path:.*}", fields: fields{"path": tString}, exists: ex((*kvStore).v1Exists),
		ops: allOps(map[op]handlerFunc{opRead: h((*kvStore).v1Read), opList: h((*kvStore).v1List), opCreate: h((*kvStore).v1Write), opUpdate: h((*kvStore).v1Write), opDelete: h((*kvStore).v1Delete)})})

	dataFields := fields{"path": tString, "version": tInt, "options": tMap, "data": tMap}
	metaFields := fields{"path": tString, "exclude_deleted": tBool, "cas_required": tBool, "max_versions": tInt,
		"delete_version_after": tDuration, "custom_metadata": tMap}
	verFields := fields{"path": tString, "versions": tCommaSlice}
	for _, p := range []*path{
		{pattern: "config", fields: fields{"max_versions": tInt, "cas_required": tBool, "delete_version_after": tSignedDuration},
			ops: allOps(map[op]handlerFunc{opRead: h((*kvStore).configRead), opUpdate: h((*kvStore).configWrite)})},
		{pattern: "data/{path:.*[^/]}", fields: dataFields, exists: ex((*kvStore).v2Exists),
			ops: allOps(map[op]handlerFunc{opRead: h((*kvStore).dataRead), opCreate: h((*kvStore).dataWrite), opUpdate: h((*kvStore).dataWrite), opDelete: h((*kvStore).dataDelete), opPatch: h((*kvStore).dataPatch)})},
		{pattern: "metadata/{path:.*}", fields: metaFields, exists: ex(metaKey((*kvStore).v2Exists)),
			ops: allOps(map[op]handlerFunc{opRead: h(metaKey((*kvStore).metaRead)), opList: h(metaKey((*kvStore).metaList)), opCreate: h(metaKey((*kvStore).metaWrite)), opUpdate: h(metaKey((*kvStore).metaWrite)), opDelete: h(metaKey((*kvStore).metaDelete)), opPatch: h(metaKey((*kvStore).metaPatch))})},
		{pattern: "destroy/{path:.*}", fields: verFields, ops: allOps(map[op]handlerFunc{opUpdate: h((*kvStore).destroy)})},
		{pattern: "subkeys/{path:.*}", fields: fields{"path": tString, "depth": tInt, "version": tInt}, ops: allOps(map[op]handlerFunc{opRead: h((*kvStore).subkeys)})},
		{pattern: "delete/{path:.*}", fields: verFields, ops: allOps(map[op]handlerFunc{opUpdate: h((*kvStore).deleteVersions)})},
		{pattern: "undelete/{path:.*}", fields: verFields, ops: allOps(map[op]handlerFunc{opUpdate: h((*kvStore).undelete)})},
		{pattern: "{path:.*}", ops: map[op]handlerFunc{opRead: h((*kvStore).invalid), opList: h((*kvStore).invalid), opUpdate: h((*kvStore).invalid), opDelete: h((*kvStore).invalid), opPatch: h((*kvStore).invalid)}},
	} {
		add(2, p)
	}
	b := newBackend(paths)
	b.prefix = func() string { return "_v" + strconv.Itoa(kvVersionOf(s.mounts[mountPath])) + "/" }
	return b
}

// metaKey makes a metadata/ handler read its path as Vault's KV v2 keys
// its metadata (kvV2MetadataKey).
func metaKey[T any](fn func(*kvStore, *request, *fieldData) (T, error)) func(*kvStore, *request, *fieldData) (T, error) {
	return func(k *kvStore, req *request, d *fieldData) (T, error) {
		if p, ok := d.raw["path"].(string); ok {
			d.raw["path"] = kvV2MetadataKey(p, req.op == opList)
		}
		return fn(k, req, d)
	}
}

// kvV2MetadataKey is the key Vault's KV v2 reads metadata under: its
// metadata lives in keysutil's encrypted key storage, which cleans a key
// (path.Clean, leading "/" dropped) before encrypting it segment by
// segment. So listing "dir//" or "/dir/" lists dir/ (vault-client-go's
// KvV2List(ctx, "dir/") sends "metadata/dir%2F/"), and the metadata of
// "dir//a" or "dir/a/" is dir/a's. A key that cleans to nothing or to "."
// names a segment of its own there, which holds nothing, as the raw key
// holds nothing in the mock. (Version data is keyed by the raw key:
// data/dir//a, which Vault answers 500 "could not find version data", is
// not covered.)
func kvV2MetadataKey(k string, list bool) string {
	if k == "" || k == "/" {
		return k
	}
	c := strings.TrimPrefix(pathpkg.Clean(k), "/")
	if c == "" || c == "." {
		return k
	}
	if list {
		return c + "/"
	}
	return c
}

// atMountRoot makes req.rel "" when the request names its mount without
// the trailing slash ("kv1", "cubbyhole"): the server leaves the whole
// path in rel then, which would name a key "kv1" inside the mount.
func atMountRoot(req *request) {
	if req.mount != nil && req.path+"/" == req.mount.path {
		req.rel = ""
	}
}

// writeToDir is Vault's refusal of writes to a path ending in '/'.
func writeToDir(req *request) error {
	if strings.HasSuffix(req.path, "/") {
		return badRequest("cannot write to a path ending in '/'")
	}
	return nil
}

// ---- version 1 -------------------------------------------------------

func (k *kvStore) v1Exists(req *request, d *fieldData) (bool, error) {
	atMountRoot(req)
	if strings.Contains(req.rel, "..") {
		// Vault's storage refuses the key inside the existence check,
		// which reports any failure but its own as an internal error.
		return false, multiErr(http.StatusInternalServerError, "internal error")
	}
	_, ok := k.v1[req.rel]
	return ok, nil
}

func (k *kvStore) v1Read(req *request, d *fieldData) (*response, error) {
	atMountRoot(req)
	if strings.Contains(req.rel, "..") {
		return nil, multiErr(http.StatusBadRequest, "read failed: relative paths not supported")
	}
	takesArbitraryInput(d)
	data, ok := k.v1[req.rel]
	if !ok {
		return nil, nil
	}
	ttl, _ := k.m.ttls()
	raw, ok := data["ttl"]
	if !ok {
		raw, ok = data["lease"]
	}
	if ok {
		if dur, err := parseutil.ParseDurationSecond(raw); err == nil {
			ttl = dur
		}
	}
	return &response{data: deepCopyJSON(data), leaseDuration: int(ttl / time.Second)}, nil
}

func (k *kvStore) v1Write(req *request, d *fieldData) (*response, error) {
	atMountRoot(req)
	takesArbitraryInput(d)
	if err := writeToDir(req); err != nil {
		return nil, err
	}
	if req.rel == "" {
		return nil, badRequest("missing path")
	}
	if len(req.data) == 0 {
		return nil, badRequest("missing data fields")
	}
	k.v1[req.rel] = deepCopyJSON(req.data)
	return nil, nil
}

func (k *kvStore) v1Delete(req *request, d *fieldData) (*response, error) {
	atMountRoot(req)
	if strings.Contains(req.rel, "..") {
		return nil, errRelativePath
	}
	delete(k.v1, req.rel)
	return nil, nil
}

func (k *kvStore) v1List(req *request, d *fieldData) (*response, error) {
	atMountRoot(req)
	if strings.Contains(req.rel, "..") {
		return nil, errRelativePath
	}
	takesArbitraryInput(d)
	prefix := req.rel
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	keys := make([]string, 0, len(k.v1))
	for key := range k.v1 {
		keys = append(keys, key)
	}
	return listResp(childKeys(keys, prefix)), nil
}

// childKeys lists the entries directly under prefix, folders with their
// trailing slash, sorted and unique, as Vault's storage List does.
func childKeys(keys []string, prefix string) []string {
	seen := map[string]bool{}
	var out []string
	for _, key := range keys {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		rest := strings.TrimPrefix(key, prefix)
		if i := strings.Index(rest, "/"); i >= 0 {
			rest = rest[:i+1]
		}
		if rest != "" && !seen[rest] {
			seen[rest] = true
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out
}

// deepCopyJSON copies decoded JSON so stored secrets never alias requests.
func deepCopyJSON(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		return copyMap(m)
	}
	return decodeNumbers(b)
}

func decodeNumbers(b []byte) map[string]any {
	out, err := decodeJSONBody(b)
	if err != nil {
		return map[string]any{}
	}
	return out
}

// ---- version 2 -------------------------------------------------------

// upgrade moves v1 data into version 1 of v2 keys, as Vault's upgrade does
// when a mount is tuned from version 1 to 2.
func (k *kvStore) upgrade(now time.Time) {
	for key, data := range k.v1 {
		b, _ := json.Marshal(data)
		m := &kvMeta{key: key, versions: map[uint64]*kvVersion{}}
		m.lastUpdatedBy = &kvAttribution{Actor: "kv_upgrade", Operation: "upgrade"}
		m.addVersion(&kvVersion{created: now, data: b}, 1)
		k.v2[key] = m
	}
	k.v1 = map[string]map[string]any{}
}

func (k *kvStore) meta(key string, now time.Time) *kvMeta {
	if len(k.v1) > 0 {
		k.upgrade(now)
	}
	return k.v2[key]
}

func (k *kvStore) v2Exists(req *request, d *fieldData) (bool, error) {
	return k.meta(d.str("path"), req.now) != nil, nil
}

// attribution is who did a KV v2 operation: the token's display name,
// entity and client id (for tokens without an entity, a hash of the
// sorted policies and the namespace, as Vault's activity log computes).
func attribution(req *request) *kvAttribution {
	a := &kvAttribution{Operation: string(req.op)}
	if req.te == nil {
		return a
	}
	a.Actor = req.te.DisplayName
	a.EntityID = req.te.EntityID
	a.ClientID = clientIDOf(req.te)
	return a
}

func (m *kvMeta) addVersion(v *kvVersion, confMax uint32) *kvVersion {
	if m.versions == nil {
		m.versions = map[uint64]*kvVersion{}
	}
	v.createdBy = m.lastUpdatedBy
	m.current++
	m.versions[m.current] = v
	m.updated = v.created
	if m.created.IsZero() {
		m.created = v.created
	}
	maxV := m.maxVersions
	if confMax > maxV {
		maxV = confMax
	}
	if maxV == 0 {
		maxV = 10
	}
	if uint32(m.current-m.oldest) >= maxV {
		toDelete := m.current - uint64(maxV)
		for i := m.oldest; i < toDelete+1; i++ {
			delete(m.versions, i)
		}
		m.oldest = toDelete + 1
	}
	return v
}

func kvTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

// deleted reports a soft-deleted version: its deletion time has come.
func (v *kvVersion) deleted(now time.Time) bool { return v.deletion != nil && !v.deletion.After(now) }

func (m *kvMeta) customOrNil() map[string]string {
	if len(m.custom) == 0 {
		return nil
	}
	return m.custom
}

// deletionTime is when a new version is deleted under delete_version_after:
// the smaller of the mount's and the key's non-zero settings.
func (k *kvStore) deletionTime(created time.Time, m *kvMeta) *time.Time {
	if k.conf.dva < 0 || (k.conf.dva == 0 && m.dva == 0) {
		return nil
	}
	d := m.dva
	if (k.conf.dva != 0 && k.conf.dva < d) || d == 0 {
		d = k.conf.dva
	}
	t := created.Add(d)
	return &t
}

func versionMetadata(m *kvMeta, num uint64, v *kvVersion) map[string]any {
	return map[string]any{
		"version": num, "created_time": fmtTime(v.created), "deletion_time": kvTimePtr(v.deletion),
		"destroyed": v.destroyed, "custom_metadata": m.customOrNil(),
	}
}

// rawStatus is Vault's RespondWithStatusCode: the response rendered as a
// body with the given status (nil resp: an empty body).
func rawStatus(resp *response, status int) *response {
	if resp == nil {
		return &response{raw: json.RawMessage{}, status: status}
	}
	return &response{raw: envelope{RequestID: newUUID(), Data: resp.data, Warnings: resp.warnings}, status: status}
}

func (k *kvStore) dataRead(req *request, d *fieldData) (*response, error) {
	return k.readVersion(req, d, "data", func(doc map[string]any) any { return doc })
}

// readVersion serves a read of one version of a secret (data/ and
// subkeys/): 404 when unknown; 404 with the metadata when deleted or
// destroyed; else the document, shaped by view, under key.
func (k *kvStore) readVersion(req *request, d *fieldData, key string, view func(map[string]any) any) (*response, error) {
	m := k.meta(d.str("path"), req.now)
	if m == nil {
		return nil, nil
	}
	num := m.current
	if v := d.integer("version"); v > 0 {
		num = uint64(v)
	}
	v := m.versions[num]
	if v == nil {
		return nil, nil
	}
	data := map[string]any{key: nil, "metadata": versionMetadata(m, num, v)}
	if v.deleted(req.now) || v.destroyed {
		return rawStatus(dataResp(data), http.StatusNotFound), nil
	}
	// A version written with "data": null holds JSON null: it reads back
	// as null (data and subkeys alike), as in Vault.
	var doc map[string]any
	if err := json.Unmarshal(v.data, &doc); err != nil {
		return nil, err
	}
	data[key] = view(doc)
	return dataResp(data), nil
}

// checkCAS applies the cas option and cas_required.
func (k *kvStore) checkCAS(d *fieldData, m *kvMeta) error {
	opts, _ := d.getOk("options")
	var casRaw any
	casOk := false
	if o, ok := opts.(map[string]any); ok {
		casRaw, casOk = o["cas"]
	}
	if casOk {
		var cas int
		if _, err := parseCAS(casRaw, &cas); err != nil {
			return badRequest("error parsing check-and-set parameter")
		}
		if uint64(cas) != m.current {
			return badRequest("check-and-set parameter did not match the current version")
		}
	} else if k.conf.casRequired || m.casRequired {
		return badRequest("check-and-set parameter required for this call")
	}
	return nil
}

func parseCAS(raw any, out *int) (bool, error) {
	v, _, err := convertField(raw, tInt)
	if err != nil {
		return false, err
	}
	if v == nil {
		*out = 0
		return false, nil
	}
	*out = v.(int)
	return true, nil
}

func (k *kvStore) writeResult(m *kvMeta, v *kvVersion) *response {
	return dataResp(map[string]any{
		"version": m.current, "created_time": fmtTime(v.created), "deletion_time": kvTimePtr(v.deletion),
		"destroyed": v.destroyed, "custom_metadata": m.customOrNil(),
	})
}

func (k *kvStore) dataWrite(req *request, d *fieldData) (*response, error) {
	if err := writeToDir(req); err != nil {
		return nil, err
	}
	key := d.str("path")
	raw, ok := d.getOk("data")
	if !ok {
		return nil, badRequest("no data provided")
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	m := k.meta(key, req.now)
	if m == nil {
		m = &kvMeta{key: key, versions: map[uint64]*kvVersion{}}
	}
	if err := k.checkCAS(d, m); err != nil {
		return nil, err
	}
	v := &kvVersion{created: req.now, data: b}
	v.deletion = k.deletionTime(req.now, m)
	m.lastUpdatedBy = attribution(req)
	m.addVersion(v, k.conf.maxVersions)
	k.v2[key] = m
	return k.writeResult(m, v), nil
}

func (k *kvStore) dataPatch(req *request, d *fieldData) (*response, error) {
	if err := writeToDir(req); err != nil {
		return nil, err
	}
	key := d.str("path")
	patch, ok := d.getOk("data")
	if !ok {
		return nil, badRequest("no data provided")
	}
	m := k.meta(key, req.now)
	if m == nil {
		return rawStatus(nil, http.StatusNotFound), nil
	}
	if err := k.checkCAS(d, m); err != nil {
		return nil, err
	}
	cur := m.versions[m.current]
	if cur == nil {
		return rawStatus(nil, http.StatusNotFound), nil
	}
	if cur.deleted(req.now) || cur.destroyed {
		return rawStatus(dataResp(versionMetadata(m, m.current, cur)), http.StatusNotFound), nil
	}
	var doc map[string]any
	if err := json.Unmarshal(cur.data, &doc); err != nil {
		return nil, err
	}
	if doc == nil { // a version written with "data": null
		return nil, multiErr(http.StatusInternalServerError, "resource does not exist")
	}
	// Round-trip the patch through JSON so numbers merge as Vault merges
	// them (RFC 7386 merge patch on the marshalled documents).
	pb, _ := json.Marshal(patch)
	var pm map[string]any
	_ = json.Unmarshal(pb, &pm)
	merged := mergePatch(doc, pm)
	b, err := json.Marshal(merged)
	if err != nil {
		return nil, err
	}
	v := &kvVersion{created: req.now, data: b}
	v.deletion = k.deletionTime(req.now, m)
	m.lastUpdatedBy = attribution(req)
	m.addVersion(v, k.conf.maxVersions)
	return k.writeResult(m, v), nil
}

// mergePatch applies an RFC 7386 JSON merge patch.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for key, v := range pm {
		if v == nil {
			delete(tm, key)
			continue
		}
		tm[key] = mergePatch(tm[key], v)
	}
	return tm
}

func (k *kvStore) dataDelete(req *request, d *fieldData) (*response, error) {
	m := k.meta(d.str("path"), req.now)
	if m == nil {
		return nil, nil
	}
	v := m.versions[m.current]
	if v == nil || v.destroyed || v.deleted(req.now) {
		return nil, nil
	}
	now := req.now
	v.deletion = &now
	a := attribution(req)
	v.deletedBy = a
	m.lastUpdatedBy = a
	return nil, nil
}

// versionList reads the versions field (a comma list of integers).
func versionList(d *fieldData) ([]int, error) {
	var out []int
	for _, s := range d.strings("versions") {
		v, _, err := convertField(s, tInt)
		if err != nil {
			return nil, badRequest("Field validation failed: error converting input for field \"versions\": %s", err)
		}
		out = append(out, v.(int))
	}
	return out, nil
}

func (k *kvStore) deleteVersions(req *request, d *fieldData) (*response, error) {
	m, versions, err := k.versionTarget(req, d, "No version number provided")
	if m == nil || err != nil {
		return nil, err
	}
	a := attribution(req)
	now := req.now
	for _, n := range versions {
		v := m.versions[uint64(n)]
		if v == nil || v.destroyed || v.deleted(now) {
			continue
		}
		v.deletion = &now
		v.deletedBy = a
	}
	m.lastUpdatedBy = a
	return nil, nil
}

// versionTarget reads the versions a delete/undelete/destroy names (with
// Vault's error, whose case differs by endpoint, when none) and the
// secret's metadata (nil when the secret does not exist).
func (k *kvStore) versionTarget(req *request, d *fieldData, noVersions string) (*kvMeta, []int, error) {
	versions, err := versionList(d)
	if err != nil {
		return nil, nil, err
	}
	if len(versions) == 0 {
		return nil, nil, badRequest("%s", noVersions)
	}
	return k.meta(d.str("path"), req.now), versions, nil
}

func (k *kvStore) undelete(req *request, d *fieldData) (*response, error) {
	m, versions, err := k.versionTarget(req, d, "No version number provided")
	if m == nil || err != nil {
		return nil, err
	}
	for _, n := range versions {
		v := m.versions[uint64(n)]
		if v == nil || v.destroyed {
			continue
		}
		v.deletion = k.deletionTime(req.now, m)
		v.deletedBy = nil
	}
	a := attribution(req)
	a.Operation = "undelete"
	m.lastUpdatedBy = a
	return nil, nil
}

func (k *kvStore) destroy(req *request, d *fieldData) (*response, error) {
	m, versions, err := k.versionTarget(req, d, "no version number provided")
	if m == nil || err != nil {
		return nil, err
	}
	for _, n := range versions {
		if v := m.versions[uint64(n)]; v != nil && !v.destroyed {
			v.destroyed = true
			v.data = nil
		}
	}
	return nil, nil
}

func (k *kvStore) metaRead(req *request, d *fieldData) (*response, error) {
	m := k.meta(d.str("path"), req.now)
	if m == nil {
		return nil, nil
	}
	versions := map[string]any{}
	for n, v := range m.versions {
		versions[uintString(n)] = map[string]any{
			"created_time": fmtTime(v.created), "deletion_time": kvTimePtr(v.deletion),
			"destroyed": v.destroyed, "deleted_by": v.deletedBy, "created_by": v.createdBy,
		}
	}
	created, updated := "", ""
	if !m.created.IsZero() {
		created = fmtTime(m.created)
	}
	if !m.updated.IsZero() {
		updated = fmtTime(m.updated)
	}
	return dataResp(map[string]any{
		"versions": versions, "current_version": m.current, "oldest_version": m.oldest,
		"created_time": created, "updated_time": updated, "max_versions": m.maxVersions,
		"cas_required": m.casRequired, "delete_version_after": m.dva.String(),
		"custom_metadata": m.customOrNil(), "last_updated_by": m.lastUpdatedBy,
	}), nil
}

func uintString(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func (k *kvStore) metaList(req *request, d *fieldData) (*response, error) {
	if len(k.v1) > 0 {
		k.upgrade(req.now)
	}
	prefix := d.str("path")
	keys := make([]string, 0, len(k.v2))
	for key := range k.v2 {
		keys = append(keys, key)
	}
	out := childKeys(keys, prefix)
	if d.boolean("exclude_deleted", false) {
		var kept []string
		for _, name := range out {
			if !strings.HasSuffix(name, "/") {
				if m := k.v2[prefix+name]; m != nil {
					if v := m.versions[m.current]; v != nil && v.deletion != nil {
						continue
					}
				}
			}
			kept = append(kept, name)
		}
		out = kept
	}
	return listResp(out), nil
}

const customMetadataPrefix = "custom_metadata validation failed"

// customMetadata reads custom_metadata as strings; with dropNils (patch) a
// null value means "remove this key" and is left out.
func customMetadata(raw map[string]any, dropNils bool) (map[string]string, error) {
	out := map[string]string{}
	for key, v := range raw {
		if v == nil && dropNils {
			continue
		}
		s, _, err := convertField(v, tString)
		if err != nil {
			return nil, badRequest("%s: %s", customMetadataPrefix, err)
		}
		str, _ := s.(string)
		out[key] = str
	}
	return out, nil
}

func validateCustomMetadata(m map[string]string) error {
	var errs multiError
	if len(m) > 64 {
		errs = append(errs, badRequest("%s: payload must contain at most %d keys, provided %d", customMetadataPrefix, 64, len(m)))
		return badRequest("%s", errs.Error())
	}
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		value := m[key]
		if l := len(key); l == 0 || l > 128 {
			errs = append(errs, badRequest("%s: length of key %q is %d but must be 0 < len(key) <= %d", customMetadataPrefix, key, l, 128))
		}
		if l := len(value); l == 0 || l > 512 {
			errs = append(errs, badRequest("%s: length of value for key %q is %d but must be 0 < len(value) <= %d", customMetadataPrefix, key, l, 512))
		}
		if !printable(key) {
			errs = append(errs, badRequest("%s: key %q (%s) contains unprintable characters", customMetadataPrefix, key, key))
		}
		if !printable(value) {
			errs = append(errs, badRequest("%s: value for key %q contains unprintable characters", customMetadataPrefix, key))
		}
	}
	if len(errs) > 0 {
		return badRequest("%s", errs.Error())
	}
	return nil
}

func printable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) == -1
}

func (k *kvStore) metaWrite(req *request, d *fieldData) (*response, error) {
	if err := writeToDir(req); err != nil {
		return nil, err
	}
	key := d.str("path")
	if key == "" {
		return nil, badRequest("missing path")
	}
	maxV, mOk := d.getOk("max_versions")
	cas, cOk := d.getOk("cas_required")
	_, dOk := d.getOk("delete_version_after")
	cmRaw, cmOk := d.getOk("custom_metadata")
	if !mOk && !cOk && !dOk && !cmOk {
		return nil, nil
	}
	var custom map[string]string
	if cmOk {
		var err error
		if custom, err = customMetadata(cmRaw.(map[string]any), false); err != nil {
			return nil, err
		}
		if err := validateCustomMetadata(custom); err != nil {
			return nil, err
		}
	}
	var resp *response
	if cOk && k.conf.casRequired && !cas.(bool) {
		resp = &response{warnings: []string{`"cas_required" set to false, but is mandated by backend config. This value will be ignored.`}}
	}
	m := k.meta(key, req.now)
	if m == nil {
		m = &kvMeta{key: key, versions: map[uint64]*kvVersion{}, created: req.now, updated: req.now}
		k.v2[key] = m
	}
	if mOk {
		m.maxVersions = uint32(maxV.(int))
	}
	if cOk {
		m.casRequired = cas.(bool)
	}
	if dOk {
		m.dva = d.duration("delete_version_after")
	}
	if cmOk {
		m.custom = custom
	}
	return resp, nil
}

func (k *kvStore) metaPatch(req *request, d *fieldData) (*response, error) {
	key := d.str("path")
	if key == "" {
		return nil, badRequest("missing path")
	}
	var patchCustom map[string]any
	if cmRaw, ok := d.getOk("custom_metadata"); ok {
		patchCustom = cmRaw.(map[string]any)
		custom, err := customMetadata(patchCustom, true)
		if err != nil {
			return nil, err
		}
		if err := validateCustomMetadata(custom); err != nil {
			return nil, err
		}
	}
	m := k.meta(key, req.now)
	if m == nil {
		return rawStatus(nil, http.StatusNotFound), nil
	}
	var resp *response
	cas, cOk := d.getOk("cas_required")
	if cOk && k.conf.casRequired && !cas.(bool) {
		resp = &response{warnings: []string{`"cas_required" set to false, but is mandated by backend config. This value will be ignored.`}}
	}
	if err := patchedCustomTypeErr(patchCustom); err != nil {
		return nil, err
	}
	if v, ok := d.getOk("max_versions"); ok {
		m.maxVersions = uint32(v.(int))
	}
	if cOk {
		m.casRequired = cas.(bool)
	}
	if _, ok := d.getOk("delete_version_after"); ok {
		m.dva = d.duration("delete_version_after")
	}
	if patchCustom != nil {
		if m.custom == nil {
			m.custom = map[string]string{}
		}
		for key, v := range patchCustom {
			if v == nil {
				delete(m.custom, key)
				continue
			}
			s, _, _ := convertField(v, tString)
			m.custom[key], _ = s.(string)
		}
	}
	return resp, nil
}

// patchedCustomTypeErr is Vault's failure to decode merge-patched
// metadata whose custom_metadata holds a number or a bool (the patch
// validation lets them through as strings; decoding the merged document
// into the metadata, whose values are strings, does not): a 500 naming the
// JSON type of the first such value in key order, and nothing is changed.
func patchedCustomTypeErr(patch map[string]any) error {
	keys := make([]string, 0, len(patch))
	for k := range patch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kind := ""
		switch patch[k].(type) {
		case bool:
			kind = "bool"
		case json.Number, float64, float32, int, int64, int32, uint, uint64, uint32:
			kind = "number"
		}
		if kind != "" {
			return multiErr(http.StatusInternalServerError, "json: cannot unmarshal %s into Go struct field KeyMetadata.custom_metadata of type string", kind)
		}
	}
	return nil
}

func (k *kvStore) metaDelete(req *request, d *fieldData) (*response, error) {
	if len(k.v1) > 0 {
		k.upgrade(req.now)
	}
	delete(k.v2, d.str("path"))
	return nil, nil
}

func (k *kvStore) configRead(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{
		"max_versions": k.conf.maxVersions, "cas_required": k.conf.casRequired,
		"delete_version_after": k.conf.dva.String(),
	}), nil
}

func (k *kvStore) configWrite(req *request, d *fieldData) (*response, error) {
	maxV, mOk := d.getOk("max_versions")
	cas, cOk := d.getOk("cas_required")
	_, dOk := d.getOk("delete_version_after")
	if !mOk && !cOk && !dOk {
		return nil, nil
	}
	dva := d.duration("delete_version_after") // whole seconds, may be negative
	if mOk {
		k.conf.maxVersions = uint32(maxV.(int))
	}
	if cOk {
		k.conf.casRequired = cas.(bool)
	}
	if dOk {
		switch {
		case dva < 0:
			k.conf.dva = -time.Second
		default:
			k.conf.dva = dva
		}
	}
	return nil, nil
}

func (k *kvStore) subkeys(req *request, d *fieldData) (*response, error) {
	depth := d.integer("depth")
	return k.readVersion(req, d, "subkeys", func(doc map[string]any) any {
		removeValues(doc, depth)
		return doc
	})
}

// removeValues keeps the key structure of a secret with leaves set to
// null, down to maxDepth levels (0: no limit).
func removeValues(m map[string]any, maxDepth int) {
	var walk func(map[string]any, int)
	walk = func(in map[string]any, depth int) {
		for key, v := range in {
			if sub, ok := v.(map[string]any); ok && (maxDepth == 0 || depth+1 <= maxDepth) && len(sub) > 0 {
				walk(sub, depth+1)
				continue
			}
			in[key] = nil
		}
	}
	walk(m, 1)
}

// invalid answers paths a KV v2 mount does not serve, with Vault's hint.
func (k *kvStore) invalid(req *request, d *fieldData) (*response, error) {
	if req.op != opRead && req.op != opList && req.op != opDelete {
		if err := writeToDir(req); err != nil {
			return nil, err
		}
	}
	switch req.rel {
	case "metadata", "data", "delete", "undelete", "destroy":
		return rawStatus(&response{warnings: []string{"Non-listing operations on the root of a K/V v2 mount are not supported."}}, http.StatusNotFound), nil
	}
	sub := ""
	switch req.op {
	case opCreate, opUpdate:
		sub = "put"
	case opPatch:
		sub = "patch"
	case opRead:
		sub = "get"
	case opList:
		sub = "list"
	case opDelete:
		sub = "delete"
	}
	w := "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv " + sub + "' for this operation."
	return rawStatus(&response{warnings: []string{w}}, http.StatusNotFound), nil
}
