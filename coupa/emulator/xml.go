package emulator

import (
	"encoding/xml"
	"io"
	"sort"
	"strings"
)

func sortSliceStable[T any](s []T, less func(i, j int) bool) { sort.SliceStable(s, less) }

// writeXML renders a generic JSON value as Coupa-style XML: lists become
// plural elements of singular children; errors become <errors><error>.
func writeXML(w io.Writer, v any) {
	io.WriteString(w, xml.Header)
	switch t := v.(type) {
	case []any:
		io.WriteString(w, "<users type=\"array\">")
		for _, e := range t {
			xmlElem(w, "user", e)
		}
		io.WriteString(w, "</users>")
	case map[string]any:
		if errs, ok := t["errors"].(map[string]any); ok {
			io.WriteString(w, "<errors>")
			for _, l := range errs {
				if list, ok := l.([]any); ok {
					for _, m := range list {
						xmlElem(w, "error", m)
					}
				}
			}
			io.WriteString(w, "</errors>")
			return
		}
		xmlElem(w, "user", t)
	}
}

func xmlElem(w io.Writer, name string, v any) {
	io.WriteString(w, "<"+name+">")
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			xmlElem(w, k, t[k])
		}
	case []any:
		child := strings.TrimSuffix(name, "s")
		for _, e := range t {
			xmlElem(w, child, e)
		}
	default:
		xml.EscapeText(w, []byte(str(v)))
	}
	io.WriteString(w, "</"+name+">")
}
