package e2e

// Differential random testing (difftest), part 2: running sequences in
// lockstep on fresh targets, catching the first divergence, checking that
// it reproduces, and shrinking it to a short scenario.
//
// Every run of a sequence (and every run the minimiser makes) gets a fresh
// pair of targets: a new dev Vault (about 0.2 s to start; the next one is
// always being started in the background) and a new in-process mock. Runs
// are therefore independent of each other and of cleanup.

import (
	"context"
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// DiffConfig drives a differential random run.
type DiffConfig struct {
	// Seed is the first sequence's seed; sequence i uses Seed+i.
	Seed int64
	// Duration bounds the time spent generating and running sequences
	// (minimisation comes on top, bounded by ShrinkTime).
	Duration time.Duration
	// Seqs, when > 0, is the number of sequences to run (Duration still
	// bounds the run).
	Seqs int
	// Steps is the length of a sequence.
	Steps int
	// ShrinkTime bounds the minimisation of one divergence.
	ShrinkTime time.Duration
	// KeepGoing continues after a divergence (each distinct one is
	// minimised once); otherwise the run stops at the first.
	KeepGoing bool
	// Verify is how many times a minimised scenario is re-run to check
	// that it diverges every time.
	Verify int
	// Opt tunes Compare.
	Opt CompareOptions
	// Ref and Other make fresh, unstarted targets: Ref is the reference
	// (real Vault), Other the one under test (the mock).
	Ref, Other func() (Target, error)
	// Track is told about every started target (true) and every stopped
	// one (false), so that an interrupted test can stop them.
	Track func(t Target, started bool)
	// Logf reports progress: findings as they come, and with Verbose
	// every known or repeated divergence too.
	Logf    func(format string, args ...any)
	Verbose bool
}

// DiffFinding is one divergence.
type DiffFinding struct {
	Seed     int64
	Seq      []Step     // the sequence up to and including the diverging step
	Result   StepResult // the diverging step's answers in the first run
	Sig      diffSig
	Known    []*DiffAllow // set when the allow-list explains it
	Flaky    bool         // did not reproduce on fresh targets: not reported
	Minimal  []Step       // the minimised scenario (last step diverges)
	MinRes   StepResult   // its diverging step's answers
	Runs     int          // runs spent minimising
	Verified int          // of cfg.Verify re-runs of Minimal that diverged alike
	Elapsed  time.Duration
}

// DiffSummary is the outcome of RunDiff.
type DiffSummary struct {
	Seqs, Steps int
	FirstSeed   int64
	Findings    []*DiffFinding
	// Hits counts the divergences each allow-list entry explained
	// (cosmetic ones included).
	Hits    map[string]int
	Dups    int // divergences seen before (KeepGoing), not minimised again
	Elapsed time.Duration
}

// Reported lists the findings that fail a run: reproducible and not
// explained by the allow-list.
func (s *DiffSummary) Reported() []*DiffFinding {
	var out []*DiffFinding
	for _, f := range s.Findings {
		if f.Known == nil && !f.Flaky {
			out = append(out, f)
		}
	}
	return out
}

// ---------------------------------------------------------------- targets

// targetPool hands out started targets, starting the next one in the
// background while the current one is in use.
type targetPool struct {
	mk    func() (Target, error)
	track func(Target, bool)
	next  chan spare
	mu    sync.Mutex
	err   error
}

type spare struct {
	t   Target
	err error
}

func newTargetPool(ctx context.Context, mk func() (Target, error), track func(Target, bool)) *targetPool {
	p := &targetPool{mk: mk, track: track, next: make(chan spare, 1)}
	p.refill(ctx)
	return p
}

func (p *targetPool) refill(ctx context.Context) {
	go func() {
		t, err := p.mk()
		if err == nil {
			if p.track != nil {
				p.track(t, true)
			}
			err = t.Start(ctx)
		}
		p.next <- spare{t, err}
	}()
}

func (p *targetPool) get(ctx context.Context) (Target, error) {
	s := <-p.next
	p.refill(ctx)
	if s.err != nil {
		if s.t != nil {
			p.put(s.t)
		}
		return nil, s.err
	}
	return s.t, nil
}

func (p *targetPool) put(t Target) {
	_ = t.Stop()
	if p.track != nil {
		p.track(t, false)
	}
}

func (p *targetPool) close() {
	s := <-p.next
	if s.t != nil {
		p.put(s.t)
	}
}

// ---------------------------------------------------------------- one run

// diffSig identifies a divergence: what differed in which step. The
// minimiser keeps a candidate only when its last step diverges with the
// same signature, so that it never slides to a different bug.
type diffSig struct {
	status string          // the status line of the diff ("" if the statuses matched)
	keys   map[string]bool // where the bodies differed
}

func sigOf(diffs []string) diffSig {
	s := diffSig{keys: map[string]bool{}}
	for _, d := range diffs {
		if strings.HasPrefix(d, "status:") || strings.HasPrefix(d, "request error:") {
			s.status = d
			continue
		}
		k, _, _ := strings.Cut(d, ": ")
		if rest, ok := strings.CutPrefix(d, k+": only in "); ok {
			// "data: only in vault: a=1, b=2" -> "data: only in vault: a,b"
			side, list, _ := strings.Cut(rest, ": ")
			var names []string
			for _, kv := range strings.Split(list, ", ") {
				n, _, _ := strings.Cut(kv, "=")
				names = append(names, n)
			}
			k += ": only in " + side + ": " + strings.Join(names, ",")
		}
		s.keys[k] = true
	}
	return s
}

// same reports whether b is the same divergence as a.
func (a diffSig) same(b diffSig) bool {
	if a.status != b.status {
		return false
	}
	if len(a.keys) == 0 && len(b.keys) == 0 {
		return true
	}
	for k := range a.keys {
		if b.keys[k] {
			return true
		}
	}
	return false
}

func (a diffSig) String() string {
	var ks []string
	for k := range a.keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if a.status != "" {
		ks = append([]string{a.status}, ks...)
	}
	return strings.Join(ks, "; ")
}

// differ runs sequences on fresh pairs of targets.
type differ struct {
	cfg        DiffConfig
	ref, other *targetPool
	runs       int
	hits       map[string]int // cosmetic allow-list hits, counted by RunDiff
}

// runSeq runs steps in lockstep on a fresh pair and stops at the first
// step whose answers differ (other than cosmetically, see DiffAllow); it
// returns that step's index (-1 if none) and result.
func (d *differ) runSeq(ctx context.Context, steps []Step) (int, StepResult, error) {
	d.runs++
	var a, b Target
	var ea, eb error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a, ea = d.ref.get(ctx) }()
	go func() { defer wg.Done(); b, eb = d.other.get(ctx) }()
	wg.Wait()
	if a != nil {
		defer d.ref.put(a)
	}
	if b != nil {
		defer d.other.put(b)
	}
	if ea != nil {
		return -1, StepResult{}, fmt.Errorf("starting %s: %w", "reference", ea)
	}
	if eb != nil {
		return -1, StepResult{}, fmt.Errorf("starting %s: %w", "other", eb)
	}
	sessions := []*Session{NewSession(a), NewSession(b)}
	names := [2]string{a.Name(), b.Name()}
	if names[0] == names[1] {
		names[1] += "2"
	}
	for _, s := range sessions {
		s.BeginScenario()
	}
	opt := d.cfg.Opt
	opt.Names = names
	for i, st := range steps {
		if err := ctx.Err(); err != nil {
			return -1, StepResult{}, err
		}
		sr := StepResult{Step: st, Index: i + 1, Ex: make([]Exchange, 2)}
		var wg sync.WaitGroup
		for j, s := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ex := s.doSettled(ctx, st)
				// transport errors name the target's address
				ex.Err = strings.ReplaceAll(ex.Err, s.T.Addr(), "<addr>")
				ex.Body = varsInText(ex.Body, ex.Vars)
				if ex.Text != "" {
					ex.Text, _ = varsInText(ex.Text, ex.Vars).(string)
				}
				sr.Ex[j] = ex
			}()
		}
		wg.Wait()
		for j, ex := range sr.Ex {
			if ex.unsettled {
				sr.Diffs = append(sr.Diffs, fmt.Sprintf("%s: not settled within %s (%s)", names[j], SettleBound, st.SettledDoc))
			}
		}
		sr.Diffs = append(sr.Diffs, Compare(sr.Ex[0], sr.Ex[1], st, opt)...)
		if len(sr.Diffs) == 0 {
			continue
		}
		if as := matchAllow(st, sr.Diffs, steps[:i]...); allCosmetic(as) {
			if d.hits != nil {
				for _, a := range as {
					d.hits[a.ID]++
				}
			}
			continue
		}
		return i, sr, nil
	}
	return -1, StepResult{}, nil
}

// varsInText replaces saved values (tokens, accessors, secret ID
// accessors) quoted inside longer strings, such as error messages, by
// {{name}}; Normalize only recognises strings that are a saved value.
func varsInText(v any, vars map[string]string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			x[k] = varsInText(c, vars)
		}
	case []any:
		for i, c := range x {
			x[i] = varsInText(c, vars)
		}
	case string:
		for _, name := range sortedKeys(vars) {
			val := vars[name]
			if len(val) >= 12 && x != val && strings.Contains(x, val) {
				x = strings.ReplaceAll(x, val, "{{"+name+"}}")
			}
		}
		return x
	}
	return v
}

// divergesAlike reports whether steps diverge first at their last step with
// signature sig.
func (d *differ) divergesAlike(ctx context.Context, steps []Step, sig diffSig) (bool, StepResult) {
	i, sr, err := d.runSeq(ctx, steps)
	if err != nil || i != len(steps)-1 {
		return false, sr
	}
	return sigOf(sr.Diffs).same(sig), sr
}

// RunDiff runs random sequences until the time or sequence budget is
// spent (or, without KeepGoing, until the first reported divergence).
func RunDiff(ctx context.Context, cfg DiffConfig) (*DiffSummary, error) {
	if cfg.Steps <= 0 {
		cfg.Steps = 40
	}
	if cfg.Verify <= 0 {
		cfg.Verify = 3
	}
	if cfg.Opt.TTLTolerance == 0 {
		cfg.Opt = DefaultCompareOptions
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	sum := &DiffSummary{FirstSeed: cfg.Seed, Hits: map[string]int{}}
	d := &differ{cfg: cfg}
	d.ref = newTargetPool(ctx, cfg.Ref, cfg.Track)
	defer d.ref.close()
	d.other = newTargetPool(ctx, cfg.Other, cfg.Track)
	defer d.other.close()

	start := time.Now()
	var seen []diffSeen
	for seq := 0; cfg.Seqs <= 0 || seq < cfg.Seqs; seq++ {
		if time.Since(start) >= cfg.Duration || ctx.Err() != nil {
			break
		}
		seed := cfg.Seed + int64(seq)
		steps := GenerateSequence(seed, cfg.Steps)
		d.hits = sum.Hits // count cosmetic hits of generated sequences only
		i, sr, err := d.runSeq(ctx, steps)
		d.hits = nil
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return sum, fmt.Errorf("sequence %d: %w", seed, err)
		}
		sum.Seqs++
		if i < 0 {
			sum.Steps += len(steps)
			continue
		}
		sum.Steps += i + 1
		f := &DiffFinding{Seed: seed, Seq: append([]Step(nil), steps[:i+1]...), Result: sr, Sig: sigOf(sr.Diffs)}
		if as := matchAllow(sr.Step, sr.Diffs, steps[:i]...); as != nil {
			f.Known = as
			var ids []string
			for _, a := range as {
				sum.Hits[a.ID]++
				ids = append(ids, a.ID)
			}
			if cfg.Verbose {
				logf("seed %d step %d %s: known divergence %s", seed, i+1, sr.Step, strings.Join(ids, ","))
			}
			continue
		}
		if dup := findSeen(seen, sr.Step, f.Sig); dup != nil {
			sum.Dups++
			if cfg.Verbose {
				logf("seed %d step %d %s: same divergence as seed %d (%s), not minimised again", seed, i+1, sr.Step, dup.seed, f.Sig)
			}
			continue
		}
		seen = append(seen, diffSeen{sr.Step, f.Sig, seed})
		logf("seed %d: divergence at step %d %s: %s; checking it reproduces, then minimising", seed, i+1, sr.Step, conform.Short(strings.Join(sr.Diffs, "; ")))
		d.shrink(ctx, f)
		sum.Findings = append(sum.Findings, f)
		if f.Flaky {
			logf("seed %d: the divergence did not reproduce reliably on fresh targets: a timing artefact or nondeterminism, not reported", seed)
			continue
		}
		logf("seed %d: minimised to %d step(s) in %d runs (%s); %d/%d re-runs diverge alike", seed, len(f.Minimal), f.Runs, f.Elapsed.Round(100*time.Millisecond), f.Verified, cfg.Verify)
		if !cfg.KeepGoing {
			break
		}
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

type diffSeen struct {
	step Step
	sig  diffSig
	seed int64
}

// findSeen recognises a divergence already minimised: same kind of method
// and same signature, and, when the status differed, the same path.
func findSeen(seen []diffSeen, st Step, sig diffSig) *diffSeen {
	for i := range seen {
		s := &seen[i]
		if methodClass(s.step) != methodClass(st) || !s.sig.same(sig) || !sig.same(s.sig) {
			continue
		}
		if sig.status != "" && stepShape(s.step) != stepShape(st) {
			continue
		}
		return s
	}
	return nil
}

// methodClass puts the methods Vault does not know together.
func methodClass(st Step) string {
	switch st.Method {
	case "GET", "LIST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS":
		return st.Method
	}
	return "unknown"
}

// stepShape is the step's path without variable parts and query.
func stepShape(st Step) string {
	p := conform.VarRe.ReplaceAllString(st.Path, "{{}}")
	p, _, _ = strings.Cut(p, "?")
	return p
}

// shrink checks that f reproduces on fresh targets and minimises it.
func (d *differ) shrink(ctx context.Context, f *DiffFinding) {
	start := time.Now()
	runs0 := d.runs
	defer func() { f.Runs = d.runs - runs0; f.Elapsed = time.Since(start) }()
	ok, _ := d.divergesAlike(ctx, f.Seq, f.Sig)
	if !ok {
		// one more try: a busy machine may have delayed one side
		if ok, _ = d.divergesAlike(ctx, f.Seq, f.Sig); !ok {
			f.Flaky = true
			return
		}
	}
	deadline := start.Add(d.cfg.ShrinkTime)
	if d.cfg.ShrinkTime <= 0 {
		deadline = start.Add(3 * time.Minute)
	}
	test := func(c []Step) bool {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		ok, _ := d.divergesAlike(ctx, c, f.Sig)
		return ok
	}
	last := f.Seq[len(f.Seq)-1]
	prefix := ddmin(f.Seq[:len(f.Seq)-1], func(p []Step) bool { return test(append(append([]Step(nil), p...), last)) })
	cur := append(append([]Step(nil), prefix...), last)
	cur = simplifySteps(cur, test)
	f.Minimal = cur
	for i := 0; i < d.cfg.Verify; i++ {
		if ok, sr := d.divergesAlike(ctx, cur, f.Sig); ok {
			f.Verified++
			f.MinRes = sr
		}
	}
	if f.Verified < d.cfg.Verify {
		// it comes and goes: nondeterminism on one side, not a
		// reproducible divergence
		f.Flaky = true
	}
}

// ddmin is delta debugging (Zeller) over the steps before the diverging
// one: it removes chunks, then single steps, while fails still holds.
func ddmin(steps []Step, fails func([]Step) bool) []Step {
	if len(steps) == 0 {
		return steps
	}
	if fails(nil) {
		return nil
	}
	n := 2
	for len(steps) >= 2 {
		chunk := (len(steps) + n - 1) / n
		reduced := false
		for i := 0; i < len(steps); i += chunk {
			end := i + chunk
			if end > len(steps) {
				end = len(steps)
			}
			cand := append(append([]Step(nil), steps[:i]...), steps[end:]...)
			if fails(cand) {
				steps = cand
				if n > 2 {
					n--
				}
				reduced = true
				break
			}
		}
		if !reduced {
			if n >= len(steps) {
				break
			}
			n *= 2
			if n > len(steps) {
				n = len(steps)
			}
		}
	}
	if len(steps) == 1 && fails(nil) {
		return nil
	}
	return steps
}

// simplifySteps removes body fields, headers and unused saves one at a
// time while fails still holds.
func simplifySteps(steps []Step, fails func([]Step) bool) []Step {
	try := func(i int, st Step) bool {
		c := append([]Step(nil), steps...)
		c[i] = st
		if fails(c) {
			steps = c
			return true
		}
		return false
	}
	// saves nobody reads
	used := func(name string, from int) bool {
		for _, st := range steps[from:] {
			if stepUses(st, name) {
				return true
			}
		}
		return false
	}
	for i := range steps {
		st := steps[i]
		var drop []string
		for name := range st.Saves {
			if !used(name, i+1) {
				drop = append(drop, name)
			}
		}
		if len(drop) == 0 || i == len(steps)-1 {
			continue
		}
		c := st
		c.Saves = map[string]string{}
		for k, v := range st.Saves {
			c.Saves[k] = v
		}
		for _, n := range drop {
			delete(c.Saves, n)
		}
		if len(c.Saves) == 0 {
			c.Saves = nil
		}
		try(i, c)
	}
	for i := range steps {
		if m, ok := steps[i].Body.(M); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				cur, _ := steps[i].Body.(M)
				if _, still := cur[k]; !still {
					continue
				}
				nm := M{}
				for a, v := range cur {
					if a != k {
						nm[a] = v
					}
				}
				c := steps[i]
				c.Body = nm
				try(i, c)
			}
		}
		for k := range steps[i].Headers {
			c := steps[i]
			c.Headers = map[string]string{}
			for a, v := range steps[i].Headers {
				if a != k {
					c.Headers[a] = v
				}
			}
			if len(c.Headers) == 0 {
				c.Headers = nil
			}
			try(i, c)
		}
	}
	return steps
}

// stepUses reports whether st refers to variable name.
func stepUses(st Step, name string) bool {
	ref := "{{" + name + "}}"
	if strings.Contains(st.Path, ref) || strings.Contains(st.Token, ref) {
		return true
	}
	for _, v := range st.Headers {
		if strings.Contains(v, ref) {
			return true
		}
	}
	switch b := st.Body.(type) {
	case nil:
		return false
	case RawBody:
		return strings.Contains(string(b), ref)
	default:
		return strings.Contains(conform.JSON(b), ref)
	}
}

// ---------------------------------------------------------------- allow-list

// strictDiff makes matchAllow ignore the list (MOCKVAULT_DIFF_STRICT=1).
var strictDiff bool

// matchAllow returns the entries that explain every difference of st's
// answers, or nil when one difference is not explained.
func matchAllow(st Step, diffs []string, before ...Step) []*DiffAllow {
	if strictDiff || len(diffs) == 0 {
		return nil
	}
	var out []*DiffAllow
	seen := map[string]bool{}
	needed := func(a *DiffAllow) bool {
		if a.Need == nil {
			return true
		}
		for _, d := range diffs {
			if a.Need.MatchString(d) {
				return true
			}
		}
		return false
	}
	raw, clean := st.String(), st.Method+" "+cleanPath(st.Path)
	for _, d := range diffs {
		var hit *DiffAllow
		for i := range diffAllowList {
			a := &diffAllowList[i]
			if a.Header != "" && st.Headers[a.Header] == "" {
				continue
			}
			if a.After != nil && !anyStepMatches(a.After, before) {
				continue
			}
			if (a.Step == nil || a.Step.MatchString(raw) || a.Step.MatchString(clean)) && (a.Diff == nil || a.Diff.MatchString(d) || (a.Need != nil && a.Need.MatchString(d))) && needed(a) {
				hit = a
				break
			}
		}
		if hit == nil {
			return nil
		}
		if !seen[hit.ID] {
			seen[hit.ID] = true
			out = append(out, hit)
		}
	}
	return out
}

func anyStepMatches(re *regexp.Regexp, steps []Step) bool {
	for _, st := range steps {
		if re.MatchString(st.String()) || re.MatchString(st.Method+" "+cleanPath(st.Path)) {
			return true
		}
	}
	return false
}

// cleanPath percent-decodes p (as Vault's router sees it) and drops
// leading slashes.
func cleanPath(p string) string {
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return strings.TrimLeft(p, "/")
}

func allCosmetic(as []*DiffAllow) bool {
	for _, a := range as {
		if !a.Cosmetic {
			return false
		}
	}
	return len(as) > 0
}
