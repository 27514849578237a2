package mockvault

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// kubeRole is a Kubernetes role (the plugin's roleStorageEntry).
type kubeRole struct {
	tokenParams
	legacy            legacyTokenParams
	SANames           []string
	SANamespaces      []string
	NamespaceSelector string
	Audience          string
	AliasNameSource   string
}

func (r *kubeRole) clone() *kubeRole {
	cp := *r
	cp.tokenParams = r.tokenParams.clone()
	cp.legacy = r.legacy.clone()
	cp.SANames = cloneStrings(r.SANames)
	cp.SANamespaces = cloneStrings(r.SANamespaces)
	return &cp
}

const (
	kubeAliasSAUID  = "serviceaccount_uid"
	kubeAliasSAName = "serviceaccount_name"
)

var kubeRoleFields = tokenFieldsWith(fields{
	"name": tString, "bound_service_account_names": tCommaSlice, "bound_service_account_namespaces": tCommaSlice,
	"bound_service_account_namespace_selector": tString, "audience": tString, "alias_name_source": tString,
})

// roleWrite is pathRoleCreateUpdate, its checks in the plugin's order.
func (b *kubeBackend) roleWrite(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	if name == "" {
		return nil, badRequest("missing role name")
	}
	var r *kubeRole
	if old := b.roles[strings.ToLower(name)]; old != nil {
		r = old.clone()
	} else if req.op == opCreate {
		r = &kubeRole{}
	} else {
		return nil, internalError("role entry not found during update operation")
	}
	if err := r.tokenParams.parse(d); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if err := r.legacy.parse(d, &r.tokenParams); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	maxTTL := maxLeaseTTL(req)
	if r.TokenPeriod > maxTTL {
		return nil, badRequest("token period of '%q' is greater than the backend's maximum lease TTL of '%q'", r.TokenPeriod.String(), maxTTL.String())
	}
	if r.TokenMaxTTL > 0 && r.TokenTTL > r.TokenMaxTTL {
		return nil, badRequest("token ttl should not be greater than token max ttl")
	}
	var warnings []string
	if r.TokenMaxTTL > maxTTL {
		warnings = append(warnings, "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated")
	}

	if d.has("bound_service_account_names") || req.op == opCreate {
		r.SANames = d.strings("bound_service_account_names")
	}
	if len(r.SANames) == 0 {
		return nil, badRequest("%q can not be empty", "bound_service_account_names")
	}
	if len(r.SANames) > 1 && contains(r.SANames, "*") {
		return nil, badRequest("can not mix %q with values", "*")
	}
	if d.has("bound_service_account_namespaces") {
		r.SANamespaces = d.strings("bound_service_account_namespaces")
	}
	// The selector is read as sent on every write: an update without it
	// clears it, as in the plugin.
	r.NamespaceSelector = d.str("bound_service_account_namespace_selector")
	if len(r.SANamespaces) == 0 && r.NamespaceSelector == "" {
		return nil, badRequest("%q can not be empty if %q is not set", "bound_service_account_namespaces", "bound_service_account_namespace_selector")
	}
	if r.NamespaceSelector != "" {
		if _, err := parseNamespaceSelector(r.NamespaceSelector); err != nil {
			return nil, badRequest("invalid %q configured", "bound_service_account_namespace_selector")
		}
	}
	if len(r.SANamespaces) > 1 && contains(r.SANamespaces, "*") {
		return nil, badRequest("can not mix %q with values", "*")
	}
	if d.has("audience") {
		r.Audience = d.str("audience")
	}
	if strings.TrimSpace(r.Audience) == "" {
		warnings = append(warnings, fmt.Sprintf("Role %s does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.", name))
	}
	if d.has("alias_name_source") {
		src := d.str("alias_name_source")
		if r.AliasNameSource == "" && src == "" {
			src = kubeAliasSAUID
		}
		r.AliasNameSource = src
	} else if r.AliasNameSource == "" {
		r.AliasNameSource = kubeAliasSAUID
	}
	if r.AliasNameSource != kubeAliasSAUID && r.AliasNameSource != kubeAliasSAName {
		return nil, badRequest("invalid alias_name_source, must be one of: %s, %s", kubeAliasSAUID, kubeAliasSAName)
	}
	b.roles[strings.ToLower(name)] = r
	if len(warnings) > 0 {
		return &response{warnings: warnings}, nil
	}
	return nil, nil
}

func (b *kubeBackend) roleRead(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	if name == "" {
		return nil, badRequest("missing name")
	}
	r := b.roles[strings.ToLower(name)]
	if r == nil {
		return nil, nil
	}
	data := map[string]any{
		"bound_service_account_names":              r.SANames,
		"bound_service_account_namespaces":         r.SANamespaces,
		"bound_service_account_namespace_selector": r.NamespaceSelector,
		"alias_name_source":                        r.AliasNameSource,
	}
	if r.Audience != "" {
		data["audience"] = r.Audience
	}
	r.tokenParams.populate(data)
	r.legacy.populate(data)
	return dataResp(data), nil
}

func (b *kubeBackend) roleDelete(req *request, d *fieldData) (*response, error) {
	delete(b.roles, strings.ToLower(d.str("name")))
	return nil, nil
}

// namespaceSelector is the part of a Kubernetes LabelSelector the plugin
// supports: matchLabels (matchExpressions are refused).
type namespaceSelector struct {
	MatchLabels      map[string]string `json:"matchLabels"`
	MatchExpressions []any             `json:"matchExpressions"`
}

// parseNamespaceSelector reads a selector given as JSON or as the simple
// YAML form ("matchLabels:" then indented "key: value" lines).
func parseNamespaceSelector(s string) (*namespaceSelector, error) {
	sel := &namespaceSelector{}
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") {
		if err := json.Unmarshal([]byte(t), sel); err != nil {
			return nil, err
		}
	} else if err := sel.parseYAML(s); err != nil {
		return nil, err
	}
	if sel.MatchExpressions != nil {
		return nil, errors.New("label selector match expressions are not supported")
	}
	return sel, nil
}

func (sel *namespaceSelector) parseYAML(s string) error {
	section := ""
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("invalid selector line %q", line)
		}
		indented := strings.HasPrefix(k, " ") || strings.HasPrefix(k, "\t")
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"'`)
		switch {
		case !indented:
			section = k
			if k == "matchExpressions" {
				sel.MatchExpressions = []any{}
			}
			if k == "matchLabels" && v == "" && sel.MatchLabels == nil {
				sel.MatchLabels = map[string]string{}
			}
		case section == "matchLabels":
			sel.MatchLabels[k] = v
		}
	}
	if sel.MatchLabels == nil && sel.MatchExpressions == nil {
		return errors.New("selector has neither matchLabels nor matchExpressions")
	}
	return nil
}

// matches is LabelSelectorAsSelector(...).Matches(labels): every
// matchLabels pair present (an empty selector matches everything).
func (sel *namespaceSelector) matches(labels map[string]string) bool {
	for k, v := range sel.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
