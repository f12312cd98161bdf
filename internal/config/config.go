// Package config resolves a subcommand's settings from four layers, each overriding the one before:
// built-in defaults, a YAML file (--config), command-line flags, and --set key.path=value overrides.
//
// A settings struct describes its keys with yaml tags. Unknown keys, in the file or in --set, are errors
// that name the key and where it came from, so a typo never silently falls back to a default.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Binding ties a command-line flag to the settings key it overrides.
type Binding struct {
	Flag string // flag name without dashes
	Key  string // dotted settings path, e.g. "optim.lr"
}

// FlagBindings binds every flag of fs, except the named ones, to the top-level key of the same name
// with dashes as underscores: --vocab-size sets vocab_size. Resolve rejects a binding whose key does
// not exist, so a flag that is not a setting must be named here.
func FlagBindings(fs *pflag.FlagSet, except ...string) []Binding {
	var b []Binding
	fs.VisitAll(func(f *pflag.Flag) {
		if !slices.Contains(except, f.Name) {
			b = append(b, Binding{Flag: f.Name, Key: strings.ReplaceAll(f.Name, "-", "_")})
		}
	})
	return b
}

// Resolve fills dst (a pointer to a settings struct already holding the defaults) from the YAML file
// (skipped when file is ""), the flags of fs that were set on the command line, and the key=value
// overrides, in that order.
func Resolve(dst any, file string, fs *pflag.FlagSet, bindings []Binding, sets []string) error {
	tree, err := toTree(dst)
	if err != nil {
		return err
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		var fromFile map[string]any
		if err := yaml.Unmarshal(b, &fromFile); err != nil {
			return fmt.Errorf("config %s: %w", file, err)
		}
		if err := merge(tree, fromFile, file, ""); err != nil {
			return err
		}
	}
	for _, bd := range bindings {
		f := fs.Lookup(bd.Flag)
		if f == nil {
			return fmt.Errorf("config: no flag --%s for key %s", bd.Flag, bd.Key)
		}
		if !hasPath(tree, bd.Key) {
			return fmt.Errorf("config: flag --%s has no setting %q", bd.Flag, bd.Key)
		}
		if !f.Changed {
			continue
		}
		if err := setPath(tree, bd.Key, flagValue(f), "flag --"+bd.Flag); err != nil {
			return err
		}
	}
	for _, s := range sets {
		key, val, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			return fmt.Errorf("--set %q: want key.path=value", s)
		}
		var v any
		if err := yaml.Unmarshal([]byte(val), &v); err != nil {
			return fmt.Errorf("--set %s: value %q: %w", key, val, err)
		}
		if err := setPath(tree, key, v, "--set"); err != nil {
			return err
		}
	}
	return fromTree(tree, dst)
}

// FirstDifference returns the key, as the struct tag named tag gives it (e.g. "yaml" or "json"), of
// the first field in which a and b, structs of one type, differ; "" when they are equal.
func FirstDifference(a, b any, tag string) string {
	va, vb, t := reflect.ValueOf(a), reflect.ValueOf(b), reflect.TypeOf(a)
	for i := range t.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get(tag), ",")
			return name
		}
	}
	return ""
}

// Dump renders settings as YAML, for run records and --help examples.
func Dump(v any) ([]byte, error) { return yaml.Marshal(v) }

// flagValue returns a flag's value in a form YAML decoding accepts for the target field.
func flagValue(f *pflag.Flag) any {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		items := sv.GetSlice()
		out := make([]any, len(items))
		for i, s := range items {
			out[i] = s
		}
		return out
	}
	if f.Value.Type() == "string" {
		return f.Value.String()
	}
	var v any
	if err := yaml.Unmarshal([]byte(f.Value.String()), &v); err != nil {
		return f.Value.String()
	}
	return v
}

// toTree converts a settings struct into nested maps keyed by its yaml names.
func toTree(v any) (map[string]any, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	tree := map[string]any{}
	if err := yaml.Unmarshal(b, &tree); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	// Keys that are omitted or nil in the defaults are still valid: add them from the struct type.
	addKeys(tree, reflect.TypeOf(v))
	return tree, nil
}

// addKeys makes sure every field of t appears in tree (with a nil value when it has none), so that
// merge can tell a valid key from a typo.
func addKeys(tree map[string]any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			sub, ok := tree[name].(map[string]any)
			if !ok {
				sub = map[string]any{}
				tree[name] = sub
			}
			addKeys(sub, ft)
			continue
		}
		if _, ok := tree[name]; !ok {
			tree[name] = nil
		}
	}
}

// merge copies src into dst, failing on keys dst does not have.
func merge(dst, src map[string]any, origin, prefix string) error {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := prefix + k
		cur, ok := dst[k]
		if !ok {
			return fmt.Errorf("%s: unknown key %q (known: %s)", origin, path, known(dst, prefix))
		}
		if sub, isMap := cur.(map[string]any); isMap {
			srcSub, ok := src[k].(map[string]any)
			if !ok {
				return fmt.Errorf("%s: key %q: want a mapping of settings", origin, path)
			}
			if err := merge(sub, srcSub, origin, path+"."); err != nil {
				return err
			}
			continue
		}
		dst[k] = src[k]
	}
	return nil
}

func known(m map[string]any, prefix string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, prefix+k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// hasPath reports whether a dotted key path names a setting.
func hasPath(tree map[string]any, key string) bool {
	m := tree
	parts := strings.Split(key, ".")
	for i, p := range parts {
		v, ok := m[p]
		if !ok {
			return false
		}
		if i == len(parts)-1 {
			return true
		}
		if m, ok = v.(map[string]any); !ok {
			return false
		}
	}
	return false
}

// setPath assigns v at a dotted key path.
func setPath(tree map[string]any, key string, v any, origin string) error {
	parts := strings.Split(key, ".")
	m := tree
	for i, p := range parts {
		cur, ok := m[p]
		if !ok {
			return fmt.Errorf("%s: unknown key %q (known: %s)", origin, key, known(m, strings.Join(parts[:i], ".")+dot(i)))
		}
		if i == len(parts)-1 {
			if _, isMap := cur.(map[string]any); isMap {
				return fmt.Errorf("%s: key %q is a group of settings; set one of its keys", origin, key)
			}
			m[p] = v
			return nil
		}
		sub, isMap := cur.(map[string]any)
		if !isMap {
			return fmt.Errorf("%s: key %q: %q is not a group of settings", origin, key, strings.Join(parts[:i+1], "."))
		}
		m = sub
	}
	return nil
}

func dot(i int) string {
	if i == 0 {
		return ""
	}
	return "."
}

// fromTree decodes the merged tree into dst, rejecting values of the wrong type with the key's name.
func fromTree(tree map[string]any, dst any) error {
	prune(tree)
	if err := checkTypes(tree, reflect.TypeOf(dst), ""); err != nil {
		return err
	}
	b, err := yaml.Marshal(tree)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return fmt.Errorf("config: %s", strings.Join(te.Errors, "; "))
		}
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// prune drops nil leaves so that decoding leaves those fields at their zero values.
func prune(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(x)
		}
	}
}

// checkTypes decodes each leaf on its own into its field's type, so a wrong value is reported with its key.
func checkTypes(tree map[string]any, t reflect.Type, prefix string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		v, ok := tree[name]
		if !ok || !f.IsExported() {
			continue
		}
		if sub, isMap := v.(map[string]any); isMap {
			if err := checkTypes(sub, f.Type, prefix+name+"."); err != nil {
				return err
			}
			continue
		}
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("config: key %q: %w", prefix+name, err)
		}
		if err := yaml.Unmarshal(b, reflect.New(f.Type).Interface()); err != nil {
			return fmt.Errorf("config: key %q: cannot use %s as %s", prefix+name, strings.TrimSpace(string(b)), f.Type)
		}
	}
	return nil
}
