-- wrk -s bench/http/percentiles.lua: after the run, the latency percentiles
-- that --latency leaves out (its four hide a tail that starts at p95).
-- Microseconds, one line.
done = function(summary, latency, requests)
  local line = ""
  for _, p in ipairs({50, 90, 93, 95, 97, 98, 99, 99.5, 99.9}) do
    line = line .. string.format("p%s=%d ", p, latency:percentile(p))
  end
  io.write(line .. "\n")
end
