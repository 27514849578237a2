package mockvault

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Identity templates in JSON mode, as identity token roles use them
// (Vault's sdk/helper/identitytpl): {{identity.entity.*}},
// {{identity.groups.*}} and {{time.now...}} replaced by JSON values.

var (
	errTplUnbalanced = errors.New("unbalanced templating characters")
	errTplNoGroups   = errors.New("string contains groups template directives but no groups were provided")
	errTplNotFound   = errors.New("no value could be found for one of the template directives")
)

// oidcTemplateInput is what a template is filled with.
type oidcTemplateInput struct {
	entity *oidcEntityView
	now    time.Time
}

// populateJSONTemplate fills tpl. The first directive that fails fails
// the whole template.
func populateJSONTemplate(tpl string, in oidcTemplateInput) (string, error) {
	if tpl == "" {
		return "", nil
	}
	pieces := strings.Split(tpl, "{{")
	if strings.Contains(pieces[0], "}}") {
		return "", errTplUnbalanced
	}
	if len(pieces) == 1 {
		return tpl, nil
	}
	var b strings.Builder
	b.WriteString(pieces[0])
	for _, piece := range pieces[1:] {
		parts := strings.Split(piece, "}}")
		if len(parts) != 2 {
			return "", errTplUnbalanced
		}
		v, err := in.directive(strings.TrimSpace(parts[0]))
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		b.WriteString(parts[1])
	}
	return b.String(), nil
}

// jsonValue renders a string, list or map as JSON; a map with a key
// selects one of its values (a missing one is "").
func jsonValue(v any, key ...string) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case map[string]string:
		if len(key) > 0 {
			return strconv.Quote(t[key[0]])
		}
		if t == nil {
			return "{}"
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (in oidcTemplateInput) directive(d string) (string, error) {
	switch {
	case strings.HasPrefix(d, "identity.entity."):
		return in.entityDirective(strings.TrimPrefix(d, "identity.entity."))
	case strings.HasPrefix(d, "identity.groups."):
		if len(in.entity.GroupIDs) == 0 {
			return "", errTplNoGroups
		}
		return in.groupDirective(strings.TrimPrefix(d, "identity.groups."))
	case strings.HasPrefix(d, "time."):
		return in.timeDirective(strings.TrimPrefix(d, "time."))
	}
	return "", errTplNotFound
}

func (in oidcTemplateInput) entityDirective(d string) (string, error) {
	e := in.entity
	if v, ok := commonDirective(d, e.ID, e.Name, e.Metadata); ok {
		return v, nil
	}
	switch {
	case d == "groups.names":
		return jsonValue(e.GroupNames), nil
	case d == "groups.ids":
		return jsonValue(e.GroupIDs), nil
	case strings.HasPrefix(d, "aliases."):
		acc, field, ok := strings.Cut(strings.TrimPrefix(d, "aliases."), ".")
		if !ok {
			return "", errors.New("invalid alias selector")
		}
		// A missing alias reads as an empty one.
		alias := oidcAliasView{Metadata: map[string]string{}, CustomMetadata: map[string]string{}}
		for _, a := range e.Aliases {
			if a.MountAccessor == acc {
				alias = a
				break
			}
		}
		if v, ok := commonDirective(field, alias.ID, alias.Name, alias.Metadata); ok {
			return v, nil
		}
		switch {
		case field == "custom_metadata":
			return jsonValue(alias.CustomMetadata), nil
		case strings.HasPrefix(field, "custom_metadata."):
			return jsonValue(alias.CustomMetadata, strings.TrimPrefix(field, "custom_metadata.")), nil
		}
	}
	return "", errTplNotFound
}

// commonDirective is what entities and aliases both have: id, name,
// metadata and metadata.<key>.
func commonDirective(d, id, name string, meta map[string]string) (string, bool) {
	switch {
	case d == "id":
		return jsonValue(id), true
	case d == "name":
		return jsonValue(name), true
	case d == "metadata":
		return jsonValue(meta), true
	case strings.HasPrefix(d, "metadata."):
		return jsonValue(meta, strings.TrimPrefix(d, "metadata.")), true
	}
	return "", false
}

// groupDirective is identity.groups.ids.<id>.<field> or
// identity.groups.names.<name>.<field>. Its values are written bare, not
// as JSON strings (so Vault does).
func (in oidcTemplateInput) groupDirective(d string) (string, error) {
	sel, rest, ok := strings.Cut(d, ".")
	if !ok || (sel != "ids" && sel != "names") {
		return "", errors.New("invalid groups selector")
	}
	which, field, ok := strings.Cut(rest, ".")
	if !ok {
		return "", errors.New("invalid groups accessor")
	}
	e := in.entity
	found := -1
	for i := range e.GroupIDs {
		if (sel == "ids" && e.GroupIDs[i] == which) || (sel == "names" && i < len(e.GroupNames) && e.GroupNames[i] == which) {
			found = i
			break
		}
	}
	if found < 0 {
		return "", fmt.Errorf("entity is not a member of group %q", which)
	}
	switch {
	case field == "id":
		return e.GroupIDs[found], nil
	case field == "name":
		if found >= len(e.GroupNames) || e.GroupNames[found] == "" {
			return "", errTplNotFound
		}
		return e.GroupNames[found], nil
	}
	// Group metadata is not in the view: metadata.<key> is not found.
	return "", errTplNotFound
}

// timeDirective is time.now, time.now.plus.<duration> or
// time.now.minus.<duration>: unix seconds.
func (in oidcTemplateInput) timeDirective(d string) (string, error) {
	parts := strings.SplitN(d, ".", 3)
	if parts[0] != "now" {
		return "", fmt.Errorf("invalid time selector %q", parts[0])
	}
	t := in.now
	switch len(parts) {
	case 2:
		return "", errors.New("missing time operand")
	case 3:
		dur, err := parseDurationSecond(parts[2])
		if err != nil {
			return "", fmt.Errorf("invalid duration: %s", err)
		}
		switch parts[1] {
		case "plus":
			t = t.Add(dur)
		case "minus":
			t = t.Add(-dur)
		default:
			return "", fmt.Errorf("invalid time operator %q", parts[1])
		}
	}
	return strconv.FormatInt(t.Unix(), 10), nil
}
