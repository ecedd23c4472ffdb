-- wrk at a bounded rate: each connection waits STEADY_DELAY_MS between its
-- requests, so -c N sends about N * 1000 / STEADY_DELAY_MS requests a second
-- however fast the server is.
local delay_ms = tonumber(os.getenv("STEADY_DELAY_MS") or "40")

function delay()
  return delay_ms
end
