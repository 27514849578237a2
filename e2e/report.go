package e2e

import (
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"io"
	"strings"
)

// Render prints the exchanges of step side by side (reference left), with a
// marker column: ' ' same line, '|' changed, '<' only left, '>' only right.
// Values are shown normalised (masked ids, {{var}} references).
func Render(w io.Writer, sr StepResult, names []string) {
	if len(sr.Ex) == 0 {
		return
	}
	cols := make([][]string, len(sr.Ex))
	for i, ex := range sr.Ex {
		cols[i] = renderLines(ex, sr.Step)
	}
	for j := 1; j < len(cols); j++ {
		left, right := cols[0], cols[j]
		width := 20
		for _, l := range left {
			if len(l) > width {
				width = len(l)
			}
		}
		if width > 70 {
			width = 70
		}
		fmt.Fprintf(w, "    %-*s   %s\n", width, "["+names[0]+"]", "["+names[j]+"]")
		for _, row := range alignLines(left, right) {
			l, r, mark := row[0], row[1], " "
			switch {
			case row[2] == "<":
				mark = "<"
			case row[2] == ">":
				mark = ">"
			case row[2] == "|":
				mark = "|"
			}
			fmt.Fprintf(w, "    %-*s %s %s\n", width, clip(l, width), mark, r)
		}
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func renderLines(ex Exchange, st Step) []string {
	if ex.Err != "" {
		return []string{"ERROR " + ex.Err}
	}
	lines := []string{fmt.Sprintf("HTTP %d", ex.Status)}
	switch {
	case ex.Body != nil:
		lines = append(lines, strings.Split(conform.JSONIndent(Normalize(ex, st)), "\n")...)
	case ex.Text != "":
		lines = append(lines, strings.Split(strings.TrimRight(ex.Text, "\n"), "\n")...)
	default:
		lines = append(lines, "(empty body)")
	}
	return lines
}

// alignLines pairs two line lists by their longest common subsequence;
// unmatched runs are paired up as changes.
func alignLines(a, b []string) [][3]string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out [][3]string
	var da, db []string
	flush := func() {
		k := 0
		for ; k < len(da) && k < len(db); k++ {
			out = append(out, [3]string{da[k], db[k], "|"})
		}
		for ; k < len(da); k++ {
			out = append(out, [3]string{da[k], "", "<"})
		}
		for ; k < len(db); k++ {
			out = append(out, [3]string{"", db[k], ">"})
		}
		da, db = nil, nil
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			flush()
			out = append(out, [3]string{a[i], b[j], " "})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			da = append(da, a[i])
			i++
		default:
			db = append(db, b[j])
			j++
		}
	}
	da = append(da, a[i:]...)
	db = append(db, b[j:]...)
	flush()
	return out
}

// Detail writes a scenario's failures and, for each differing step, the
// differences and both answers side by side.
func Detail(w io.Writer, r *Result) {
	for _, name := range r.Targets {
		for _, f := range r.Failures[name] {
			fmt.Fprintf(w, "  [%s] %s\n", name, f)
		}
	}
	for _, sr := range r.Steps {
		if len(sr.Diffs) == 0 {
			continue
		}
		fmt.Fprintf(w, "  step %d: %s\n", sr.Index, sr.Ex[0].Sent)
		if sr.Step.Note != "" {
			fmt.Fprintf(w, "    note: %s\n", sr.Step.Note)
		}
		if sr.Step.Body != nil {
			fmt.Fprintf(w, "    body: %s\n", conform.Short(bodyString(sr.Step.Body)))
		}
		for _, d := range sr.Diffs {
			fmt.Fprintf(w, "    - %s\n", d)
		}
		Render(w, sr, r.Targets)
	}
}

func bodyString(b any) string {
	if r, ok := b.(RawBody); ok {
		return string(r)
	}
	return conform.JSON(b)
}

// Report accumulates results for the summary table.
type Report struct {
	Targets []string // column names, e.g. "vault (docker mockvault/vault-dev:1.21.1)", "mock"
	Skipped string   // why the real-Vault part did not run, if it did not
	Results []*Result
	// AllowKnown means known differences did not fail the run.
	AllowKnown bool
	// Rounds is how many times the suite ran (MOCKVAULT_E2E_ROUNDS, make
	// conformance-soak); Soak lists every scenario that failed in any round.
	Rounds int
	Soak   []SoakFailure
}

// SoakFailure is one scenario that did not match in one round.
type SoakFailure struct {
	Round    int
	Scenario string
	Detail   string
}

func (rep *Report) soakFailure(round int, r *Result) {
	var b strings.Builder
	Detail(&b, r)
	rep.Soak = append(rep.Soak, SoakFailure{round, r.Scenario.Name, b.String()})
}

// writeSoak summarises a run of several rounds: every scenario that ever
// differed, in how many rounds, and its first difference.
func (rep *Report) writeSoak(w io.Writer) {
	if rep.Rounds <= 1 {
		return
	}
	fmt.Fprintln(w)
	if len(rep.Soak) == 0 {
		fmt.Fprintf(w, "soak: %d rounds, no scenario ever differed\n", rep.Rounds)
		return
	}
	var order []string
	byName := map[string][]SoakFailure{}
	for _, f := range rep.Soak {
		if byName[f.Scenario] == nil {
			order = append(order, f.Scenario)
		}
		byName[f.Scenario] = append(byName[f.Scenario], f)
	}
	fmt.Fprintf(w, "soak: %d rounds, %d scenario(s) differed at least once\n", rep.Rounds, len(order))
	for _, name := range order {
		fs := byName[name]
		var rounds []string
		for _, f := range fs {
			rounds = append(rounds, fmt.Sprint(f.Round))
		}
		fmt.Fprintf(w, "%s: %d/%d rounds (%s); first:\n%s", name, len(fs), rep.Rounds, strings.Join(rounds, ","), fs[0].Detail)
	}
}

// Write prints the table scenario x target, the differences, and the
// summary line "N/M scenarios matched".
func (rep *Report) Write(w io.Writer) {
	if len(rep.Results) == 0 {
		fmt.Fprintln(w, "conformance: no scenarios ran")
		return
	}
	var names []string
	seen := map[string]bool{}
	for _, r := range rep.Results {
		for _, n := range r.Targets {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	wName := len("SCENARIO")
	for _, r := range rep.Results {
		wName = max(wName, len(r.Scenario.Name))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "== mockvault conformance report ==")
	for _, t := range rep.Targets {
		fmt.Fprintf(w, "target: %s\n", t)
	}
	if rep.Skipped != "" {
		fmt.Fprintf(w, "real Vault: %s\n", rep.Skipped)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-*s", wName+2, "SCENARIO")
	for _, n := range names {
		fmt.Fprintf(w, "%-8s", strings.ToUpper(n))
	}
	if len(names) > 1 {
		fmt.Fprintf(w, "%s", "RESULT")
	}
	fmt.Fprintln(w)
	matched, known, fixed := 0, 0, 0
	for _, r := range rep.Results {
		fmt.Fprintf(w, "%-*s", wName+2, r.Scenario.Name)
		for _, n := range names {
			st := "-"
			for _, t := range r.Targets {
				if t == n {
					st = "ok"
				}
			}
			if len(r.Failures[n]) > 0 {
				st = "FAIL"
			}
			fmt.Fprintf(w, "%-8s", st)
		}
		res := ""
		switch {
		case r.Matched():
			matched++
			res = "match"
			if r.Scenario.KnownDiff != "" {
				fixed++
				res = fmt.Sprintf("match (known-diff %s can be removed)", r.Scenario.KnownDiff)
			}
		case r.Differs():
			res = fmt.Sprintf("DIFF in %d step(s)", r.DiffCount())
		default:
			res = "FAIL"
		}
		if !r.Matched() && r.Scenario.KnownDiff != "" {
			known++
			res += " [known " + r.Scenario.KnownDiff + "]"
		}
		if len(r.Targets) == 1 { // nothing to compare: only the known-diff mark
			res = ""
			if r.Scenario.KnownDiff != "" {
				res = "[known " + r.Scenario.KnownDiff + "]"
			}
		}
		fmt.Fprintf(w, "%s\n", res)
	}
	var bad []*Result
	for _, r := range rep.Results {
		if !r.Matched() {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "-- differences --")
		for _, r := range bad {
			tag := ""
			if r.Scenario.KnownDiff != "" {
				tag = " [known " + r.Scenario.KnownDiff + "]"
			}
			fmt.Fprintf(w, "%s%s\n", r.Scenario.Name, tag)
			for _, n := range r.Targets {
				for _, f := range r.Failures[n] {
					fmt.Fprintf(w, "  [%s] %s\n", n, f)
				}
			}
			for _, sr := range r.Steps {
				for _, d := range sr.Diffs {
					fmt.Fprintf(w, "  step %d %s: %s\n", sr.Index, sr.Step, d)
				}
			}
		}
	}
	fmt.Fprintln(w)
	extra := ""
	if known > 0 {
		extra = fmt.Sprintf(" (%d of the rest are known mock differences, see docs/conformance-findings.md)", known)
	}
	if fixed > 0 {
		extra += fmt.Sprintf(" (%d known-diff flags can be removed)", fixed)
	}
	compared := 0
	for _, r := range rep.Results {
		if len(r.Targets) > 1 {
			compared++
		}
	}
	against := fmt.Sprintf("(%d compared %s)", compared, strings.Join(names, " vs "))
	if compared == 0 {
		against = "(mock only: expectations checked, nothing compared)"
	}
	fmt.Fprintf(w, "%d/%d scenarios matched %s%s\n", matched, len(rep.Results), against, extra)
	rep.writeSoak(w)
}
