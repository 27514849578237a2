package mockvault

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Informational sys endpoints: sys/host-info (this machine, read from
// /proc where there is one, in the shape of Vault's gopsutil answer),
// sys/version-history (one version, installed when the server started)
// and sys/internal/counters/activity (no clients counted: the mock keeps
// no activity log).

func (s *Server) sysInfoPaths() []*path {
	return []*path{
		{pattern: "host-info", ops: map[op]handlerFunc{opRead: s.sysHostInfo}},
		{pattern: "version-history/", ops: map[op]handlerFunc{opList: s.sysVersionHistory}},
		{pattern: "internal/counters/activity", fields: fields{"start_time": tString, "end_time": tString, "current_billing_period": tBool, "limit_namespaces": tInt},
			ops: map[op]handlerFunc{opRead: s.sysActivity}},
	}
}

func (s *Server) sysVersionHistory(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{
		"keys": []string{s.version},
		"key_info": map[string]any{s.version: map[string]any{
			"build_date": vaultBuildDate, "previous_version": nil, "timestamp_installed": s.started.UTC().Format(time.RFC3339),
		}},
	}), nil
}

// vaultBuildDate is Vault 1.21.1's build date (sys/seal-status too).
const vaultBuildDate = "2025-11-18T13:04:32Z"

func (s *Server) sysHostInfo(req *request, d *fieldData) (*response, error) {
	host, _ := os.Hostname()
	mem := procKV("/proc/meminfo")
	kib := func(k string) uint64 { return mem[k] * 1024 }
	total, avail, free := kib("MemTotal"), kib("MemAvailable"), kib("MemFree")
	used := total - avail
	pct := 0.0
	if total > 0 {
		pct = float64(used) / float64(total) * 100
	}
	stat := procKV("/proc/stat")
	boot := stat["btime"]
	var uptime uint64
	if boot > 0 {
		uptime = uint64(time.Now().Unix()) - boot
	}
	release := strings.TrimSpace(readSmall("/proc/sys/kernel/osrelease"))
	var cpus []map[string]any
	for i := 0; i < runtime.NumCPU(); i++ {
		cpus = append(cpus, map[string]any{
			"cpu": i, "vendorId": "", "family": "", "model": "", "stepping": 0, "physicalId": "", "coreId": "",
			"cores": 1, "modelName": "", "mhz": 0, "cacheSize": 0, "flags": []string{}, "microcode": "",
		})
	}
	return dataResp(map[string]any{
		"timestamp": time.Now().UTC(),
		"cpu":       cpus,
		"cpu_times": cpuTimes(),
		"disk":      []map[string]any{},
		"host": map[string]any{
			"hostname": host, "uptime": uptime, "bootTime": boot, "procs": stat["processes"], "os": runtime.GOOS,
			"platform": "", "platformFamily": "", "platformVersion": "", "kernelVersion": release, "kernelArch": unameArch(),
			"virtualizationSystem": "", "virtualizationRole": "", "hostid": "",
		},
		"memory": map[string]any{
			"total": total, "available": avail, "used": used, "usedPercent": pct, "free": free,
			"active": kib("Active"), "inactive": kib("Inactive"), "wired": 0,
		},
	}), nil
}

// unameArch is the machine name uname -m prints.
func unameArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

// cpuTimes are /proc/stat's per-CPU times in seconds (USER_HZ = 100).
func cpuTimes() []map[string]any {
	out := []map[string]any{}
	names := []string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guestNice"}
	for _, line := range strings.Split(readSmall("/proc/stat"), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 2 || !strings.HasPrefix(fs[0], "cpu") || fs[0] == "cpu" {
			continue
		}
		t := map[string]any{"cpu": fs[0]}
		for i, n := range names {
			v := 0.0
			if i+1 < len(fs) {
				j, _ := strconv.ParseFloat(fs[i+1], 64)
				v = j / 100
			}
			t[n] = v
		}
		out = append(out, t)
	}
	return out
}

// procKV reads a /proc file of "key: number" or "key number" lines.
func procKV(name string) map[string]uint64 {
	out := map[string]uint64{}
	f, err := os.Open(name)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(strings.Replace(sc.Text(), ":", " ", 1))
		if len(fs) >= 2 {
			if n, err := strconv.ParseUint(fs[1], 10, 64); err == nil {
				out[fs[0]] = n
			}
		}
	}
	return out
}

func readSmall(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

// sysActivity is an empty activity report. As Vault: the end is the end
// of the month end_time falls in, or of the previous month when end_time
// is absent or not in the past (with a warning); the start is start_time,
// or the zero time (a dev server has no billing start).
func (s *Server) sysActivity(req *request, d *fieldData) (*response, error) {
	now := req.now.UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var start time.Time
	if v := d.str("start_time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, badRequest("failed to parse %q as RFC3339 timestamp", v)
		}
		start = t.UTC()
	}
	warnings := []string{}
	end := monthStart.Add(-time.Second)
	if v := d.str("end_time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, badRequest("failed to parse %q as RFC3339 timestamp", v)
		}
		if t.Before(monthStart) {
			end = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0).Add(-time.Second)
		} else {
			warnings = append(warnings, activityEndWarning)
		}
	} else {
		warnings = append(warnings, activityEndWarning)
	}
	resp := dataResp(map[string]any{
		"by_namespace": []any{}, "months": []any{},
		"total":      map[string]any{"entity_clients": 0, "non_entity_clients": 0, "clients": 0, "secret_syncs": 0, "acme_clients": 0},
		"start_time": start.Format(time.RFC3339), "end_time": end.Format(time.RFC3339),
	})
	resp.warnings = warnings
	return resp, nil
}

const activityEndWarning = "end_time parameter can only be used to specify a date until the end of previous month. " +
	"The value provided for this parameter was in the current month or in the future date and was therefore ignored. " +
	"The response includes data until the end of the previous month."
