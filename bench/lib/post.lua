-- wrk script: POST the bytes of $BENCH_BODY_FILE with the headers in $BENCH_HEADERS
-- ("Name: value" lines), and print one machine-readable summary line when the run ends.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local k, v = line:match("^([^:]+):%s*(.-)%s*$")
  if k then wrk.headers[k] = v end
end

-- With BENCH_UNIQUE_IDS=1 every request gets its own JSON-RPC id (the body's placeholder id
-- 987654321 is replaced): requests in flight at once in one MCP session must not share an id.
if os.getenv("BENCH_UNIQUE_IDS") == "1" then
  local template = wrk.body
  assert(template:find("987654321", 1, true), "body has no placeholder id")
  local threads = 0
  function setup(thread)
    threads = threads + 1
    thread:set("id_base", threads * 1000000000)
  end
  local counter = 0
  function request()
    counter = counter + 1
    local body = template:gsub("987654321", tostring(id_base + counter), 1)
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
