-- wrk script for bench/serve_load.sh: GET each path of the file named by
-- $TMKIT_PATHS in turn (one request path a line), and print the latency
-- percentiles and the error counts in one line at the end.
local paths = {}
for line in io.lines(os.getenv("TMKIT_PATHS")) do
  paths[#paths + 1] = line
end
local i = math.random(#paths)

request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "result: %d requests in %.1f s = %.0f/s; p50 %.2f ms, p99 %.2f ms, max %.2f ms; errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
end
