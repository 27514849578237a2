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
		"cpu_times": []map[string]any{{"cpu": "cpu-total", "user": 0, "system": 0, "idle": 0, "nice": 0, "iowait": 0,
			"irq": 0, "softirq": 0, "steal": 0, "guest": 0, "guestNice": 0}},
		"disk": []map[string]any{},
		"host": map[string]any{
			"hostname": host, "uptime": uptime, "bootTime": boot, "procs": stat["processes"], "os": runtime.GOOS,
			"platform": "", "platformFamily": "", "platformVersion": "", "kernelVersion": release, "kernelArch": runtime.GOARCH,
			"virtualizationSystem": "", "virtualizationRole": "", "hostid": "",
		},
		"memory": map[string]any{
			"total": total, "available": avail, "used": used, "usedPercent": pct, "free": free,
			"active": kib("Active"), "inactive": kib("Inactive"), "wired": 0,
		},
	}), nil
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

// sysActivity is an empty activity report for the current billing period.
func (s *Server) sysActivity(req *request, d *fieldData) (*response, error) {
	total := map[string]any{"clients": 0, "distinct_entities": 0, "entity_clients": 0, "non_entity_clients": 0,
		"non_entity_tokens": 0, "secret_syncs": 0, "acme_clients": 0}
	now := req.now.UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	return dataResp(map[string]any{
		"by_namespace": []any{}, "months": []any{}, "total": total,
		"start_time": start.Format(time.RFC3339), "end_time": now.Format(time.RFC3339),
	}), nil
}
