package notify

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports: notify sits beside the other front ends, below none of
// them; the tray and the CLI import it, so it must not import them. It
// takes its rules from the config package as they are.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/helio-linux/helio/"
	allowed := map[string]bool{"hidpp": true, "sensors": true, "internal/config": true}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if pkg, ok := strings.CutPrefix(path, module); ok && !allowed[pkg] {
				t.Errorf("%s imports %s; notify may import only %s{hidpp,sensors,internal/config}", name, path, module)
			}
		}
	}
}
