-- heartbeat.lua - wrk script for bench/heartbeat.sh: heartbeats from a registered fleet.
--
--   wrk -t1 -c32 -d15s --latency -s bench/heartbeat.lua https://127.0.0.1:PORT -- FILE THREADS [PREFIX]
--
-- FILE has one agent a line: "agent_id instance_id agent_token sha256hex" (bench/hb_register.py).
-- Each wrk thread takes every Nth agent (N = threads) and cycles through its share, so all
-- agents heartbeat and no two threads send the same agent at once. Every request is
--   POST PREFIX/api/agents/{agent_id}/heartbeat
--   Authorization: Bearer {agent_token}, Content-Type: application/json
--   {"instance_id":"...","status":"running","uptime_seconds":N}
-- built once in init() (wrk shares the 2 cores with the server: keep request() cheap).
-- THREADS repeats -t (wrk calls init() of a thread before setup() of the next one).
-- PREFIX is "" for spot-fcgi and "/flask" for the Flask peer behind the same nginx.
-- wrk.format() with a headers table replaces any -H headers (NOTES.md), so wrk.headers
-- is merged in. wrk itself counts non-2xx/3xx answers ("Non-2xx or 3xx responses").

local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

function init(args)
   local file, nthreads, prefix = args[1], tonumber(args[2]), args[3] or ""
   if not file or not nthreads then error("usage: -- FILE THREADS [PREFIX]") end
   local reqs, i = {}, 0
   for line in io.lines(file) do
      local agent, inst, token = line:match("^(%S+) (%S+) (%S+)")
      if agent then
         if i % nthreads == tid then
            local headers = {}
            for k, v in pairs(wrk.headers) do headers[k] = v end
            headers["Authorization"] = "Bearer " .. token
            headers["Content-Type"] = "application/json"
            local body = string.format('{"instance_id":"%s","status":"running","uptime_seconds":%d}',
                                       inst, 3600 + i)
            reqs[#reqs + 1] = wrk.format("POST", prefix .. "/api/agents/" .. agent .. "/heartbeat",
                                         headers, body)
         end
         i = i + 1
      end
   end
   if #reqs == 0 then error("heartbeat.lua: no agents for thread " .. tid .. " in " .. file) end
   requests, n, pos = reqs, #reqs, 0
end

function request()
   pos = pos + 1
   if pos > n then pos = 1 end
   return requests[pos]
end
