package mockvault

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// The identity store's router (identity/): entities, entity aliases,
// groups, group aliases and lookups, one file each
// (path_identity_<family>.go), on the state in identity.go.

// identityHandler serves one endpoint with the store.
type identityHandler func(st *identityState, req *request, d *fieldData) (*response, error)

// identityOps binds handlers to the store. A write that succeeds may have
// changed what templated policies read: the per-entity ACLs are dropped.
func identityOps(ops map[op]identityHandler) map[op]handlerFunc {
	out := make(map[op]handlerFunc, len(ops))
	for o, fn := range ops {
		fn, write := fn, o != opRead && o != opList
		out[o] = func(req *request, d *fieldData) (*response, error) {
			resp, err := fn(req.state.(*identityState), req, d)
			if write && err == nil {
				req.srv.identityChanged()
			}
			return resp, err
		}
	}
	return out
}

// identityUnimplemented are identity families of Vault 1.21.1 the mock
// does not serve: a request there says so.
var identityUnimplemented = []string{"mfa", "persona", "oidc"}

func identityRouter(s *Server, _ *mount) *backend {
	var paths []*path
	paths = append(paths, identityEntityPaths()...)
	paths = append(paths, identityEntityAliasPaths()...)
	paths = append(paths, identityGroupPaths()...)
	paths = append(paths, identityGroupAliasPaths()...)
	paths = append(paths, identityLookupPaths()...)
	// OIDC identity tokens (issue 15 item 3) append their paths here:
	// paths = append(paths, identityOIDCPaths(s)...)
	b := newBackend(paths)
	b.notFound = func(rel string) error {
		for _, p := range identityUnimplemented {
			if rel == p || strings.HasPrefix(rel, p+"/") {
				return errCode(http.StatusNotFound, "1 error occurred:\n\t* unsupported path (mockvault does not implement identity/%s)\n\n", p)
			}
		}
		return nil
	}
	return b
}

// idPath is a path of the store.
func idPath(pattern string, f fields, ops map[op]identityHandler) *path {
	return &path{pattern: pattern, fields: f, ops: identityOps(ops)}
}

// idTime is a time as Vault's identity store answers it (protobuf
// timestamps through ptypes.TimestampString).
func idTime(t time.Time) string { return fmtTime(t) }

// metaKeyRe is what Vault allows in a metadata key.
var metaKeyRe = regexp.MustCompile(`^[a-zA-Z0-9=/+_-]+$`)

// validateIdentityMetadata is Vault's validateMetadata.
func validateIdentityMetadata(meta map[string]string) error {
	if len(meta) > 64 {
		return fmt.Errorf("metadata cannot contain more than %d key/value pairs", 64)
	}
	for k, v := range meta {
		var err string
		switch {
		case k == "":
			err = "key cannot be blank"
		case !metaKeyRe.MatchString(k):
			err = "key contains invalid characters"
		case len(k) > 128:
			err = "key is too long (limit: 128 characters)"
		case strings.HasPrefix(k, "vault-"):
			err = `key prefix "vault-" is reserved for internal use`
		case len(v) > 512:
			err = "value is too long (limit: 512 characters)"
		default:
			continue
		}
		return fmt.Errorf("failed to load metadata pair (%q, %q): %s", k, v, err)
	}
	return nil
}

// mountInfo adds mount_path and mount_type of an alias's mount to data,
// when the mount still exists (Vault's ValidateMountByAccessor).
func (req *request) mountInfo(acc string, data map[string]any) {
	if m := req.srv.mountByAccessor(acc); m != nil {
		data["mount_path"] = m.path
		data["mount_type"] = m.typ
	}
}

// containsFold reports whether list holds v, case-insensitively.
func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}
