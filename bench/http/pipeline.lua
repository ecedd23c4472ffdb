-- wrk script: HTTP/1.1 pipelining. Each write sends DEPTH copies of the GET
-- for the URL's path back to back (default 16); wrk counts the requests in
-- that buffer and waits for as many responses before the next write.
--   wrk -c256 -d5s -s bench/http/pipeline.lua http://127.0.0.1:PORT/plaintext -- 16

local batch

function init(args)
   local depth = tonumber(args[1] or "16")
   if depth == nil or depth < 1 then
      error("pipeline depth must be a positive integer, got " .. tostring(args[1]))
   end
   local one = wrk.format("GET", wrk.path)
   batch = string.rep(one, depth)
end

function request()
   return batch
end
